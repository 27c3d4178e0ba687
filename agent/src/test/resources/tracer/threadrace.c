/* race.c's attack from threads that are not the group leader: a worker connects over and over with
   a sockaddr a second worker flips between two ports, then sends one byte on each connection that
   succeeded. Prints, from the program's own view: connects that reached PORT1, PORT2, then payload
   bytes that arrived at PORT1's and PORT2's listeners (the ground truth).
   usage: threadrace PORT1 PORT2 ROUNDS */
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
static int rounds, l1, l2;
static int reached[2], payload[2];
static void *flip(void *arg) {
  (void)arg;
  while (!stop) shared.sin_port = shared.sin_port == htons(p1) ? htons(p2) : htons(p1);
  return 0;
}
static void drain(int l, int which) {
  int c;
  char b[16];
  while ((c = accept(l, 0, 0)) >= 0) {
    ssize_t n = recv(c, b, sizeof b, MSG_DONTWAIT);
    if (n > 0) payload[which] += (int)n;
    close(c);
  }
}
static void *dial(void *arg) {
  (void)arg;
  for (int i = 0; i < rounds; i++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(s, (struct sockaddr *)&shared, sizeof shared) == 0) {
      struct sockaddr_in peer;
      socklen_t len = sizeof peer;
      if (getpeername(s, (struct sockaddr *)&peer, &len) == 0) reached[ntohs(peer.sin_port) == p2]++;
      send(s, "x", 1, MSG_NOSIGNAL);
    }
    close(s);
    drain(l1, 0);
    drain(l2, 1);
  }
  return 0;
}
int main(int argc, char **argv) {
  if (argc < 4) return 2;
  p1 = atoi(argv[1]);
  p2 = atoi(argv[2]);
  rounds = atoi(argv[3]);
  l1 = loopback_listener(SOCK_STREAM, p1);
  l2 = loopback_listener(SOCK_STREAM, p2);
  shared.sin_family = AF_INET;
  shared.sin_port = htons(p1);
  shared.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  pthread_t f, d;
  pthread_create(&f, 0, flip, 0);
  pthread_create(&d, 0, dial, 0);
  pthread_join(d, 0);
  stop = 1;
  pthread_join(f, 0);
  printf("%d %d %d %d\n", reached[0], reached[1], payload[0], payload[1]);
  return 0;
}
