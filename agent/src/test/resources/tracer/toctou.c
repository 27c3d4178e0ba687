/* time-of-check races on pointer arguments: a second thread flips the port in a shared sockaddr
   (or a letter of a shared path) between ALLOWED and BLOCKED while the main thread calls with it.
   usage: toctou MODE ALLOWED BLOCKED ATTEMPTS
   MODE: connect (blocking), connect-nb, sendto, sendmsg, sendmmsg (loopback, in a network
   namespace of the test), open (paths "a.txt"/"b.txt" in the working directory; ALLOWED/BLOCKED
   unused). Listeners on both ports count what reached them; prints
   "MODE attempts=N allowed=A blocked=B" (for open: lines written to a.txt and b.txt). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "loopback.h"

static volatile struct sockaddr_in shared;
static volatile char path[8] = "a.txt";
static volatile int stop;
static unsigned short pa, pb;

static void *flip(void *unused) {
  (void)unused;
  while (!stop) {
    shared.sin_port = shared.sin_port == htons(pa) ? htons(pb) : htons(pa);
    path[0] = path[0] == 'a' ? 'b' : 'a';
  }
  return 0;
}

static int drain(int s, int type) {
  int n = 0, c;
  char buf[64];
  if (type == SOCK_STREAM) {
    while ((c = accept(s, 0, 0)) >= 0) { n++; close(c); }
  } else {
    while (recv(s, buf, sizeof buf, 0) >= 0) n++;
  }
  return n;
}

static int count_lines(const char *name) {
  FILE *f = fopen(name, "r");
  int n = 0, c;
  while (f && (c = fgetc(f)) != EOF) if (c == '\n') n++;
  if (f) fclose(f);
  return n;
}

int main(int argc, char **argv) {
  if (argc < 5) return 2;
  const char *mode = argv[1];
  pa = atoi(argv[2]);
  pb = atoi(argv[3]);
  int attempts = atoi(argv[4]);
  int stream = strncmp(mode, "connect", 7) == 0;
  int type = stream ? SOCK_STREAM : SOCK_DGRAM;
  int open_mode = strcmp(mode, "open") == 0;
  int la = -1, lb = -1, reached_a = 0, reached_b = 0;
  if (!open_mode) {
    la = loopback_listener(type, pa);
    lb = loopback_listener(type, pb);
  }
  shared.sin_family = AF_INET;
  shared.sin_port = htons(pa);
  shared.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  /* several flippers: on a loaded machine one of them still runs while the call is checked */
  pthread_t t[3];
  for (int k = 0; k < 3; k++) pthread_create(&t[k], 0, flip, 0);
  int udp = socket(AF_INET, SOCK_DGRAM, 0);
  for (int i = 0; i < attempts; i++) {
    if (open_mode) {
      int fd = open((const char *)path, O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (fd >= 0) { write(fd, "x\n", 2); close(fd); }
    } else if (stream) {
      int s = socket(AF_INET, SOCK_STREAM | (strcmp(mode, "connect-nb") == 0 ? SOCK_NONBLOCK : 0), 0);
      if (connect(s, (struct sockaddr *)&shared, sizeof shared) != 0 && errno == EINPROGRESS) {
        struct pollfd p = {s, POLLOUT, 0};
        poll(&p, 1, 1000);
      }
      close(s);
    } else if (strcmp(mode, "sendto") == 0) {
      sendto(udp, "x", 1, 0, (struct sockaddr *)&shared, sizeof shared);
    } else {
      struct iovec iov = {"x", 1};
      struct mmsghdr m[2];
      memset(m, 0, sizeof m);
      for (int k = 0; k < 2; k++) {
        m[k].msg_hdr.msg_name = (void *)&shared;
        m[k].msg_hdr.msg_namelen = sizeof shared;
        m[k].msg_hdr.msg_iov = &iov;
        m[k].msg_hdr.msg_iovlen = 1;
      }
      if (strcmp(mode, "sendmsg") == 0) sendmsg(udp, &m[0].msg_hdr, 0);
      else sendmmsg(udp, m, 2, 0);
    }
    if (!open_mode) {
      reached_a += drain(la, type);
      reached_b += drain(lb, type);
    }
  }
  stop = 1;
  for (int k = 0; k < 3; k++) pthread_join(t[k], 0);
  if (open_mode) {
    reached_a = count_lines("a.txt");
    reached_b = count_lines("b.txt");
  } else {
    usleep(100 * 1000);
    reached_a += drain(la, type);
    reached_b += drain(lb, type);
  }
  printf("%s attempts=%d allowed=%d blocked=%d\n", mode, attempts, reached_a, reached_b);
  return 0;
}
