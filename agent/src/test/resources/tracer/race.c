/* a second thread flips the port of a sockaddr while the main thread connects with it, over and
   over: the time-of-check race a ptrace tracer cannot close. Prints how many connects reached each
   port (the ground truth). usage: race PORT1 PORT2 ROUNDS */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "loopback.h"
static volatile struct sockaddr_in shared;
static volatile int stop;
static unsigned short p1, p2;
static void *flip(void *arg) {
  (void)arg;
  while (!stop) shared.sin_port = shared.sin_port == htons(p1) ? htons(p2) : htons(p1);
  return 0;
}
int main(int argc, char **argv) {
  if (argc < 4) return 2;
  p1 = atoi(argv[1]);
  p2 = atoi(argv[2]);
  int rounds = atoi(argv[3]);
  int l1 = loopback_listener(SOCK_STREAM, p1), l2 = loopback_listener(SOCK_STREAM, p2);
  shared.sin_family = AF_INET;
  shared.sin_port = htons(p1);
  shared.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  pthread_t t;
  pthread_create(&t, 0, flip, 0);
  int reached[2] = {0, 0};
  for (int i = 0; i < rounds; i++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&shared, sizeof shared) == 0) {
      struct sockaddr_in peer;
      socklen_t len = sizeof peer;
      getpeername(s, (struct sockaddr *)&peer, &len);
      reached[ntohs(peer.sin_port) == p2]++;
    }
    close(s);
    int c;
    while ((c = accept(l1, 0, 0)) >= 0) close(c);
    while ((c = accept(l2, 0, 0)) >= 0) close(c);
  }
  stop = 1;
  pthread_join(t, 0);
  printf("%d %d\n", reached[0], reached[1]);
  return 0;
}
