/* Inbound connections as a way out: a listener other hosts can reach, and a peer that connects in
   and reads what the build writes on the accepted socket (plain write: no destination, no stop).
   usage: inbound server PORT [IDLE_MS] (traced) listens on 0.0.0.0:PORT (TCP) and [::]:PORT+1 (dual stack),
                                binds UDP 0.0.0.0:PORT; writes "secret" to every connection it
                                accepts and prints "accepted ADDR"; answers a UDP datagram on a
                                socket connected to its sender ("udp-reply ok|err=N"); stops after
                                3 s without a connection. Prints "listening" when ready.
          inbound peer SRC DST PORT [udp]  (untraced) connects from SRC to DST:PORT and prints
                                "got DATA" or "peer err=N" (2 s to connect and read); with udp,
                                sends a datagram and waits for the reply. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int peer(const char *src, const char *dst, unsigned short port, int udp) {
  int s = socket(strchr(dst, ':') ? AF_INET6 : AF_INET, (udp ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);
  struct sockaddr_storage from, to;
  memset(&from, 0, sizeof from);
  memset(&to, 0, sizeof to);
  socklen_t len;
  if (strchr(dst, ':')) {
    struct sockaddr_in6 *f = (void *)&from, *t = (void *)&to;
    f->sin6_family = t->sin6_family = AF_INET6;
    inet_pton(AF_INET6, src, &f->sin6_addr);
    inet_pton(AF_INET6, dst, &t->sin6_addr);
    t->sin6_port = htons(port);
    len = sizeof *t;
  } else {
    struct sockaddr_in *f = (void *)&from, *t = (void *)&to;
    f->sin_family = t->sin_family = AF_INET;
    inet_pton(AF_INET, src, &f->sin_addr);
    inet_pton(AF_INET, dst, &t->sin_addr);
    t->sin_port = htons(port);
    len = sizeof *t;
  }
  if (bind(s, (struct sockaddr *)&from, len) != 0) { perror("bind"); return 3; }
  if (udp) {
    sendto(s, "ask", 3, 0, (struct sockaddr *)&to, len);
  } else if (connect(s, (struct sockaddr *)&to, len) != 0 && errno != EINPROGRESS) {
    printf("peer err=%d\n", errno);
    return 0;
  }
  struct pollfd p = {s, POLLIN, 0};
  if (poll(&p, 1, 2000) <= 0) { printf("peer err=%d\n", ETIMEDOUT); return 0; }
  char buf[64];
  ssize_t n = recv(s, buf, sizeof buf - 1, 0);
  if (n < 0) { printf("peer err=%d\n", errno); return 0; }
  buf[n] = 0;
  printf("got %s\n", buf);
  return 0;
}

static int listener(int family, unsigned short port) {
  int s = socket(family, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_storage a;
  memset(&a, 0, sizeof a);
  socklen_t len;
  if (family == AF_INET6) {
    struct sockaddr_in6 *b = (void *)&a;
    b->sin6_family = AF_INET6;
    b->sin6_port = htons(port);
    len = sizeof *b;
  } else {
    struct sockaddr_in *b = (void *)&a;
    b->sin_family = AF_INET;
    b->sin_port = htons(port);
    len = sizeof *b;
  }
  if (bind(s, (struct sockaddr *)&a, len) != 0) { perror("bind"); exit(3); }
  if (listen(s, 16) != 0) { printf("listen err=%d\n", errno); exit(0); }
  /* a second listen on the same socket only resizes its backlog, as some servers do */
  if (listen(s, 32) != 0) { printf("listen err=%d\n", errno); exit(0); }
  return s;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  if (strcmp(argv[1], "peer") == 0) return argc < 5 ? 2 : peer(argv[2], argv[3], atoi(argv[4]), argc > 5);
  unsigned short port = atoi(argv[2]);
  struct pollfd p[3];
  p[0].fd = listener(AF_INET, port);
  p[1].fd = listener(AF_INET6, port + 1);
  p[2].fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in u;
  memset(&u, 0, sizeof u);
  u.sin_family = AF_INET;
  u.sin_port = htons(port);
  if (bind(p[2].fd, (struct sockaddr *)&u, sizeof u) != 0) { perror("bind udp"); return 3; }
  printf("listening\n");
  fflush(stdout);
  for (;;) {
    for (int i = 0; i < 3; i++) { p[i].events = POLLIN; p[i].revents = 0; }
    if (poll(p, 3, argc > 3 ? atoi(argv[3]) : 3000) <= 0) break;
    for (int i = 0; i < 2; i++) {
      if (!(p[i].revents & POLLIN)) continue;
      struct sockaddr_storage from;
      socklen_t len = sizeof from;
      int c = accept4(p[i].fd, (struct sockaddr *)&from, &len, 0);
      if (c < 0) continue;
      char host[64] = "?";
      if (from.ss_family == AF_INET) inet_ntop(AF_INET, &((struct sockaddr_in *)&from)->sin_addr, host, sizeof host);
      else inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&from)->sin6_addr, host, sizeof host);
      printf("accepted %s\n", host);
      fflush(stdout);
      if (write(c, "secret", 6) < 0) printf("write err=%d\n", errno);
      close(c);
    }
    if (p[2].revents & POLLIN) {
      struct sockaddr_in from;
      socklen_t len = sizeof from;
      char buf[16];
      if (recvfrom(p[2].fd, buf, sizeof buf, 0, (struct sockaddr *)&from, &len) < 0) continue;
      int r = socket(AF_INET, SOCK_DGRAM, 0);
      int one = 1;
      setsockopt(r, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
      bind(r, (struct sockaddr *)&u, sizeof u);
      if (connect(r, (struct sockaddr *)&from, len) != 0) printf("udp-reply err=%d\n", errno);
      else printf(send(r, "udp-secret", 10, 0) < 0 ? "udp-reply err=%d\n" : "udp-reply ok\n", errno);
      fflush(stdout);
      close(r);
    }
  }
  return 0;
}
