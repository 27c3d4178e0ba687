/* Ways out that are not the IP or unix sockaddr of connect/sendto/sendmsg/sendmmsg.
   usage: families capture PORT   (untraced, in the test's namespace: prints "wire TAG" for every
                                   IPv4 UDP frame on lo to 198.51.100.1:PORT, "ready" first)
          families attack PORT    (traced; one "TAG ok" / "TAG err=N" line per attempt)
   198.51.100.1 is the address the test's gate refuses, 198.51.100.2 one it allows; both on lo.
   - socket(F) for address families other than unix, inet, inet6 and netlink, and inet sockets of
     protocols whose destinations are not only the sockaddr (SCTP: connectx, addresses in control
     messages; IPPROTO_RAW: the IP header is the program's). No socket of these is ever connected:
     an AF_VSOCK socket reaches the hypervisor's host on a VM.
   - an AF_PACKET socket bound to lo writes a whole frame (Ethernet, IPv4, UDP to the refused
     address) with write(2), and sendto's it with a sockaddr_ll whose family field says AF_NETLINK
     (packet_snd never reads it) and AF_PACKET.
   - a loose source route (IP_OPTIONS, and the same as an IP_RETOPTS control message): the sockaddr
     names the allowed address, the packet goes to the route's first hop, the refused one.
   - IP_HDRINCL and an IPv6 routing header (IPV6_RTHDR, segment routing) set on a socket.
   - MPTCP: a connect judged like TCP's (the refused address: ECONNREFUSED from the gate). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif
#define REFUSED 0xc6336401u /* 198.51.100.1 */
#define ALLOWED 0xc6336402u /* 198.51.100.2 */

static void report(const char *tag, long r) {
  if (r >= 0) printf("%s ok\n", tag); else printf("%s err=%d\n", tag, errno);
  fflush(stdout);
}

static unsigned short csum(const unsigned char *p, int n) {
  unsigned long s = 0;
  for (int i = 0; i + 1 < n; i += 2) s += (p[i] << 8) | p[i + 1];
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (unsigned short)~s;
}

static void put32(unsigned char *p, uint32_t v) {
  p[0] = v >> 24; p[1] = v >> 16; p[2] = v >> 8; p[3] = v;
}

/* an Ethernet frame from 198.51.100.2 to 198.51.100.1:port, UDP with payload tag */
static int frame(unsigned char *f, unsigned short port, const char *tag) {
  int n = strlen(tag);
  memset(f, 0, 14 + 28 + n);
  f[12] = 0x08; /* ETH_P_IP; both MACs zero: lo's */
  unsigned char *ip = f + 14;
  ip[0] = 0x45;
  ip[2] = (28 + n) >> 8; ip[3] = (28 + n) & 0xff;
  ip[8] = 64; ip[9] = 17;
  put32(ip + 12, ALLOWED);
  put32(ip + 16, REFUSED);
  unsigned short c = csum(ip, 20);
  ip[10] = c >> 8; ip[11] = c & 0xff;
  unsigned char *udp = ip + 20;
  udp[0] = 40000 >> 8; udp[1] = 40000 & 0xff;
  udp[2] = port >> 8; udp[3] = port & 0xff;
  udp[4] = (8 + n) >> 8; udp[5] = (8 + n) & 0xff;
  memcpy(udp + 8, tag, n);
  return 14 + 28 + n;
}

static void tryfamily(const char *tag, int domain, int type, int protocol) {
  int s = socket(domain, type, protocol);
  report(tag, s);
  if (s >= 0) close(s);
}

static int capture(unsigned short port) {
  int p = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
  if (p < 0) { perror("capture"); return 3; }
  printf("ready\n");
  fflush(stdout);
  unsigned char f[2048];
  for (;;) {
    ssize_t n = recv(p, f, sizeof f, 0);
    if (n < 14 + 28 || f[12] != 0x08 || f[13] != 0) continue;
    unsigned char *ip = f + 14;
    int ihl = (ip[0] & 15) * 4;
    uint32_t dst = (uint32_t)ip[16] << 24 | ip[17] << 16 | ip[18] << 8 | ip[19];
    if (ip[9] != 17 || dst != REFUSED || n < 14 + ihl + 8) continue;
    unsigned char *udp = ip + ihl;
    if ((udp[2] << 8 | udp[3]) != port) continue;
    int len = n - 14 - ihl - 8;
    printf("wire %.*s\n", len, (char *)udp + 8);
    fflush(stdout);
  }
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  unsigned short port = atoi(argv[2]);
  if (strcmp(argv[1], "capture") == 0) return capture(port);

  tryfamily("vsock", AF_VSOCK, SOCK_STREAM, 0);
  tryfamily("tipc", 30, SOCK_RDM, 0);
  tryfamily("rds", 21, SOCK_SEQPACKET, 0);
  tryfamily("x25", 9, SOCK_SEQPACKET, 0);
  tryfamily("bluetooth", 31, SOCK_STREAM, 3 /* BTPROTO_RFCOMM */);
  tryfamily("can", 29, SOCK_DGRAM, 2 /* CAN_BCM */);
  tryfamily("xdp", 44, SOCK_RAW, 0);
  tryfamily("sctp", AF_INET, SOCK_STREAM, IPPROTO_SCTP);
  tryfamily("sctp6", AF_INET6, SOCK_SEQPACKET, IPPROTO_SCTP);
  tryfamily("ipproto-raw", AF_INET, SOCK_RAW, IPPROTO_RAW);

  struct sockaddr_in refused;
  memset(&refused, 0, sizeof refused);
  refused.sin_family = AF_INET;
  refused.sin_port = htons(port);
  refused.sin_addr.s_addr = htonl(REFUSED);
  struct sockaddr_in allowed = refused;
  allowed.sin_addr.s_addr = htonl(ALLOWED);

  int m = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
  report("mptcp", m < 0 ? -1 : connect(m, (struct sockaddr *)&refused, sizeof refused));

  unsigned char f[128];
  int p = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_IP));
  report("packet", p);
  if (p >= 0) {
    struct sockaddr_ll ll;
    memset(&ll, 0, sizeof ll);
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_IP);
    ll.sll_ifindex = if_nametoindex("lo");
    if (bind(p, (struct sockaddr *)&ll, sizeof ll) != 0) { perror("bind packet"); return 3; }
    report("packet-write", write(p, f, frame(f, port, "packet-write")));
    ll.sll_family = AF_NETLINK;
    report("packet-sendto-nl", sendto(p, f, frame(f, port, "packet-sendto-nl"), 0, (struct sockaddr *)&ll, sizeof ll));
    ll.sll_family = AF_PACKET;
    report("packet-sendto", sendto(p, f, frame(f, port, "packet-sendto"), 0, (struct sockaddr *)&ll, sizeof ll));
  }

  /* loose source route: first hop 198.51.100.1 (where the packet goes), then the sockaddr's */
  unsigned char lsrr[8] = {1 /* NOP */, 131 /* LSRR */, 7, 4};
  put32(lsrr + 4, REFUSED);
  int u = socket(AF_INET, SOCK_DGRAM, 0);
  report("ip-options", setsockopt(u, IPPROTO_IP, IP_OPTIONS, lsrr, sizeof lsrr));
  report("lsrr-sendto", sendto(u, "lsrr-sendto", 11, 0, (struct sockaddr *)&allowed, sizeof allowed));

  int c = socket(AF_INET, SOCK_DGRAM, 0);
  char cbuf[CMSG_SPACE(sizeof lsrr)];
  memset(cbuf, 0, sizeof cbuf);
  struct iovec iov = {"retopts-sendmsg", 15};
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_name = &allowed;
  mh.msg_namelen = sizeof allowed;
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
  cm->cmsg_level = IPPROTO_IP;
  cm->cmsg_type = IP_RETOPTS;
  cm->cmsg_len = CMSG_LEN(sizeof lsrr);
  memcpy(CMSG_DATA(cm), lsrr, sizeof lsrr);
  report("retopts-sendmsg", sendmsg(c, &mh, 0));
  /* the same on a connected socket: sendmsg without a destination */
  int cc = socket(AF_INET, SOCK_DGRAM, 0);
  report("retopts-connect", connect(cc, (struct sockaddr *)&allowed, sizeof allowed));
  iov.iov_base = "retopts-connected";
  iov.iov_len = 17;
  mh.msg_name = NULL;
  mh.msg_namelen = 0;
  report("retopts-connected", sendmsg(cc, &mh, 0));

  int h = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
  int one = 1;
  report("ip-hdrincl", h < 0 ? -1 : setsockopt(h, IPPROTO_IP, IP_HDRINCL, &one, sizeof one));

  /* an IPv6 segment routing header: the first segment is where packets go */
  unsigned char srh[8 + 2 * 16];
  memset(srh, 0, sizeof srh);
  srh[1] = 4;  /* hdrlen in 8-byte units after the first 8 */
  srh[2] = 4;  /* IPV6_SRCRT_TYPE_4 */
  srh[3] = 1;  /* segments left */
  srh[4] = 1;  /* last entry */
  srh[8] = 0x20; srh[9] = 0x01; srh[10] = 0x0d; srh[11] = 0xb8; srh[23] = 2;
  srh[24] = 0x20; srh[25] = 0x01; srh[26] = 0x0d; srh[27] = 0xb8; srh[39] = 1;
  int v6 = socket(AF_INET6, SOCK_DGRAM, 0);
  report("ipv6-rthdr", setsockopt(v6, IPPROTO_IPV6, IPV6_RTHDR, srh, sizeof srh));

  usleep(300 * 1000);
  return 0;
}
