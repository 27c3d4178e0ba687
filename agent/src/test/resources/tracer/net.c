/* every way to name a destination, all on loopback: usage net TCPPORT UDPPORT UNIXPATH ABSTRACTNAME */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct sockaddr_in v4(const char *ip, int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return a;
}

static int listener(int family, struct sockaddr *a, socklen_t len, int type) {
  int s = socket(family, type, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(s, a, len) != 0) { perror("bind"); exit(2); }
  if (type == SOCK_STREAM) listen(s, 16);
  return s;
}

int main(int argc, char **argv) {
  if (argc < 5) return 2;
  int tcp = atoi(argv[1]), udp = atoi(argv[2]);
  struct sockaddr_in l4 = v4("127.0.0.1", tcp);
  listener(AF_INET, (struct sockaddr *)&l4, sizeof l4, SOCK_STREAM);
  struct sockaddr_in6 l6;
  memset(&l6, 0, sizeof l6);
  l6.sin6_family = AF_INET6;
  l6.sin6_port = htons(tcp);
  l6.sin6_addr = in6addr_loopback;
  listener(AF_INET6, (struct sockaddr *)&l6, sizeof l6, SOCK_STREAM);
  struct sockaddr_in lu = v4("127.0.0.1", udp);
  listener(AF_INET, (struct sockaddr *)&lu, sizeof lu, SOCK_DGRAM);
  struct sockaddr_un un;
  memset(&un, 0, sizeof un);
  un.sun_family = AF_UNIX;
  strncpy(un.sun_path, argv[3], sizeof un.sun_path - 1);
  unlink(argv[3]);
  listener(AF_UNIX, (struct sockaddr *)&un, sizeof un, SOCK_STREAM);
  struct sockaddr_un ab;
  memset(&ab, 0, sizeof ab);
  ab.sun_family = AF_UNIX;
  size_t alen = strlen(argv[4]);
  memcpy(ab.sun_path + 1, argv[4], alen);
  socklen_t ablen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + alen);
  listener(AF_UNIX, (struct sockaddr *)&ab, ablen, SOCK_STREAM);

  int s = socket(AF_INET, SOCK_STREAM, 0);
  connect(s, (struct sockaddr *)&l4, sizeof l4);
  int f = socket(AF_INET, SOCK_STREAM, 0); /* TCP Fast Open: connect and send in one sendto */
  struct sockaddr_in tfo = v4("127.0.0.9", tcp);
  sendto(f, "x", 1, MSG_FASTOPEN, (struct sockaddr *)&tfo, sizeof tfo);
  int s6 = socket(AF_INET6, SOCK_STREAM, 0);
  connect(s6, (struct sockaddr *)&l6, sizeof l6);

  int u = socket(AF_INET, SOCK_DGRAM, 0);
  sendto(u, "a", 1, 0, (struct sockaddr *)&lu, sizeof lu);
  struct sockaddr_in m2 = v4("127.0.0.2", udp);
  struct iovec iov = {"b", 1};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_name = &m2;
  mh.msg_namelen = sizeof m2;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  sendmsg(u, &mh, 0);
  struct sockaddr_in m3 = v4("127.0.0.3", udp), m4 = v4("127.0.0.4", udp);
  struct mmsghdr mm[2];
  memset(mm, 0, sizeof mm);
  mm[0].msg_hdr.msg_name = &m3;
  mm[0].msg_hdr.msg_namelen = sizeof m3;
  mm[0].msg_hdr.msg_iov = &iov;
  mm[0].msg_hdr.msg_iovlen = 1;
  mm[1].msg_hdr.msg_name = &m4;
  mm[1].msg_hdr.msg_namelen = sizeof m4;
  mm[1].msg_hdr.msg_iov = &iov;
  mm[1].msg_hdr.msg_iovlen = 1;
  sendmmsg(u, mm, 2, 0);
  send(u, "c", 1, 0); /* no destination: not a new one */

  int su = socket(AF_UNIX, SOCK_STREAM, 0);
  connect(su, (struct sockaddr *)&un, sizeof un);
  int sa = socket(AF_UNIX, SOCK_STREAM, 0);
  connect(sa, (struct sockaddr *)&ab, ablen);
  unlink(argv[3]);
  return 0;
}
