/* Two threads call listen(2) on the same new socket at once, ROUNDS times, each time on a fresh
   socket bound to 0.0.0.0 (other hosts could connect: block mode locks a socket filter on it at
   the first listen stop). Prints "refused N" (listens that failed, each with its errno) and
   "unlocked N" (rounds after which the filter could be detached: SO_DETACH_FILTER must fail with
   EPERM on a socket whose filter is locked), then "rounds N".
   usage: listenrace ROUNDS */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#ifndef SO_DETACH_FILTER
#define SO_DETACH_FILTER 27
#endif
static int fd;
static pthread_barrier_t start;
static int rc[2], err[2];
static void *listener(void *arg) {
  int i = (int)(long)arg;
  pthread_barrier_wait(&start);
  rc[i] = listen(fd, 16);
  err[i] = rc[i] < 0 ? errno : 0;
  return 0;
}
int main(int argc, char **argv) {
  int rounds = argc > 1 ? atoi(argv[1]) : 50, refused = 0, unlocked = 0;
  for (int r = 0; r < rounds; r++) {
    fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0) {
      printf("setup failed: %s\n", strerror(errno));
      return 2;
    }
    pthread_t t[2];
    pthread_barrier_init(&start, 0, 2);
    for (long i = 0; i < 2; i++) pthread_create(&t[i], 0, listener, (void *)i);
    for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
    pthread_barrier_destroy(&start);
    for (int i = 0; i < 2; i++) {
      if (rc[i] != 0) {
        refused++;
        printf("listen failed: %s\n", strerror(err[i]));
      }
    }
    int zero = 0;
    if (setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof zero) == 0 || errno != EPERM) unlocked++;
    close(fd);
  }
  printf("refused %d\nunlocked %d\nrounds %d\n", refused, unlocked, rounds);
  return 0;
}
