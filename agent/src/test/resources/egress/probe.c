/* Egress probe for the network-namespace tests: tries to reach a destination one way and prints
 * "TAG ok" or "TAG err=ERRNO" (or "TAG resolve-failed"). On success it sends "TAG\n" so the
 * listener logs what reached it. Usage: probe MODE HOST PORT TAG */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

static const char *tag;

static int report(int rc) {
  if (rc < 0) printf("%s err=%d\n", tag, errno);
  else printf("%s ok\n", tag);
  fflush(stdout);
  return rc < 0 ? 1 : 0;
}

static socklen_t literal(const char *host, int port, struct sockaddr_storage *ss) {
  memset(ss, 0, sizeof *ss);
  struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
  struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
  if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
    in4->sin_family = AF_INET;
    in4->sin_port = htons(port);
    return sizeof *in4;
  }
  if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    return sizeof *in6;
  }
  fprintf(stderr, "probe: not an address: %s\n", host);
  exit(2);
}

static int resolve(const char *host, const char *port, int socktype, struct sockaddr_storage *ss, socklen_t *len) {
  struct addrinfo hints = {0}, *res;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = socktype;
  if (getaddrinfo(host, port, &hints, &res) != 0) {
    printf("%s resolve-failed\n", tag);
    fflush(stdout);
    return -1;
  }
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

static int tcp_to(struct sockaddr_storage *ss, socklen_t len) {
  int fd = socket(ss->ss_family, SOCK_STREAM, 0);
  if (connect(fd, (struct sockaddr *)ss, len) < 0) return report(-1);
  dprintf(fd, "%s\n", tag);
  close(fd);
  return report(0);
}

static int udp_payload(int fd, struct sockaddr_storage *ss, socklen_t len, const char *how) {
  char msg[128];
  int n = snprintf(msg, sizeof msg, "%s\n", tag);
  ssize_t rc;
  if (strcmp(how, "sendto") == 0) {
    rc = sendto(fd, msg, n, 0, (struct sockaddr *)ss, len);
  } else {
    struct iovec iov = {msg, n};
    struct msghdr mh = {0};
    mh.msg_name = ss;
    mh.msg_namelen = len;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (strcmp(how, "sendmsg") == 0) {
      rc = sendmsg(fd, &mh, 0);
    } else {
      struct mmsghdr mm = {0};
      mm.msg_hdr = mh;
      rc = sendmmsg(fd, &mm, 1, 0);
    }
  }
  return report(rc < 0 ? -1 : 0);
}

/* i386 ABI from a 64-bit process: arguments must live below 4 GiB. */
static int int80_connect(struct sockaddr_storage *ss, socklen_t len, int socketcall) {
  int fd = socket(ss->ss_family, SOCK_STREAM, 0);
  char *low = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
  if (low == MAP_FAILED) return report(-1);
  memcpy(low, ss, len);
  uint32_t *args = (uint32_t *)(low + 256);
  args[0] = fd;
  args[1] = (uint32_t)(uintptr_t)low;
  args[2] = len;
  long rc;
  if (socketcall) {
    /* socketcall(SYS_CONNECT = 3, args) is i386 syscall 102 */
    __asm__ volatile("int $0x80" : "=a"(rc) : "0"(102L), "b"(3L), "c"((long)(uintptr_t)args) : "memory");
  } else {
    /* connect is i386 syscall 362 */
    __asm__ volatile("int $0x80" : "=a"(rc) : "0"(362L), "b"((long)fd), "c"((long)(uintptr_t)low), "d"((long)len) : "memory");
  }
  if (rc < 0) {
    errno = (int)-rc;
    return report(-1);
  }
  dprintf(fd, "%s\n", tag);
  close(fd);
  return report(0);
}

/* IORING_OP_CONNECT through a raw ring: no liburing needed. */
static int uring_connect(struct sockaddr_storage *ss, socklen_t len) {
  struct io_uring_params p = {0};
  int ring = syscall(__NR_io_uring_setup, 4, &p);
  if (ring < 0) return report(-1);
  size_t sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
  size_t cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
  char *sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQ_RING);
  char *cq = mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
  struct io_uring_sqe *sqes = mmap(NULL, p.sq_entries * sizeof(struct io_uring_sqe), PROT_READ | PROT_WRITE,
                                   MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_SQES);
  if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) return report(-1);
  int fd = socket(ss->ss_family, SOCK_STREAM, 0);
  unsigned *tail = (unsigned *)(sq + p.sq_off.tail);
  unsigned mask = *(unsigned *)(sq + p.sq_off.ring_mask);
  unsigned idx = *tail & mask;
  struct io_uring_sqe *sqe = &sqes[idx];
  memset(sqe, 0, sizeof *sqe);
  sqe->opcode = IORING_OP_CONNECT;
  sqe->fd = fd;
  sqe->addr = (uintptr_t)ss;
  sqe->off = len;
  ((unsigned *)(sq + p.sq_off.array))[idx] = idx;
  __atomic_store_n(tail, *tail + 1, __ATOMIC_RELEASE);
  if (syscall(__NR_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) return report(-1);
  unsigned head = *(unsigned *)(cq + p.cq_off.head);
  struct io_uring_cqe *cqe = &((struct io_uring_cqe *)(cq + p.cq_off.cqes))[head & *(unsigned *)(cq + p.cq_off.ring_mask)];
  if (cqe->res < 0) {
    errno = -cqe->res;
    return report(-1);
  }
  dprintf(fd, "%s\n", tag);
  close(fd);
  return report(0);
}

/* One A query for NAME over a connected UDP socket to SERVER:53; prints rcode and answer count. */
static int dns_query(struct sockaddr_storage *ss, socklen_t len, const char *name) {
  unsigned char q[300] = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
  size_t n = 12;
  const char *p = name;
  while (*p) {
    const char *dot = strchr(p, '.');
    size_t l = dot ? (size_t)(dot - p) : strlen(p);
    q[n++] = (unsigned char)l;
    memcpy(q + n, p, l);
    n += l;
    p += l + (dot ? 1 : 0);
  }
  q[n++] = 0;
  q[n++] = 0; q[n++] = 1; q[n++] = 0; q[n++] = 1;
  int fd = socket(ss->ss_family, SOCK_DGRAM, 0);
  struct timeval tv = {5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (connect(fd, (struct sockaddr *)ss, len) < 0) return report(-1);
  if (send(fd, q, n, 0) < 0) return report(-1);
  unsigned char r[512];
  ssize_t got = recv(fd, r, sizeof r, 0);
  if (got < 12) return report(-1);
  printf("%s rcode=%d answers=%d\n", tag, r[3] & 0xf, (r[6] << 8) | r[7]);
  fflush(stdout);
  return 0;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: probe MODE HOST PORT TAG\n");
    return 2;
  }
  const char *mode = argv[1], *host = argv[2], *port = argv[3];
  tag = argv[4];
  struct sockaddr_storage ss;
  socklen_t len;
  if (strcmp(mode, "name") == 0) {
    if (resolve(host, port, SOCK_STREAM, &ss, &len) < 0) return 1;
    return tcp_to(&ss, len);
  }
  if (strcmp(mode, "name-udp") == 0) {
    if (resolve(host, port, SOCK_DGRAM, &ss, &len) < 0) return 1;
    return udp_payload(socket(ss.ss_family, SOCK_DGRAM, 0), &ss, len, "sendto");
  }
  if (strcmp(mode, "unix") == 0) {
    /* probe unix PATH - TAG */
    struct sockaddr_un un = {0};
    un.sun_family = AF_UNIX;
    strncpy(un.sun_path, host, sizeof un.sun_path - 1);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (connect(fd, (struct sockaddr *)&un, sizeof un) < 0) return report(-1);
    dprintf(fd, "%s\n", tag);
    close(fd);
    return report(0);
  }
  if (strcmp(mode, "dns") == 0) {
    /* probe dns SERVER NAME TAG: the server is an address, port 53 */
    len = literal(host, 53, &ss);
    return dns_query(&ss, len, port);
  }
  len = literal(host, atoi(port), &ss);
  if (strcmp(mode, "tcp") == 0) return tcp_to(&ss, len);
  if (strcmp(mode, "udp") == 0 || strcmp(mode, "udpmsg") == 0 || strcmp(mode, "udpmmsg") == 0) {
    const char *how = mode[3] == 0 ? "sendto" : mode[3] == 'm' && mode[4] == 's' ? "sendmsg" : "sendmmsg";
    return udp_payload(socket(ss.ss_family, SOCK_DGRAM, 0), &ss, len, how);
  }
  if (strcmp(mode, "tfo") == 0) {
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    char msg[128];
    int n = snprintf(msg, sizeof msg, "%s\n", tag);
    if (sendto(fd, msg, n, MSG_FASTOPEN, (struct sockaddr *)&ss, len) < 0) return report(-1);
    close(fd);
    return report(0);
  }
  if (strcmp(mode, "int80") == 0) return int80_connect(&ss, len, 0);
  if (strcmp(mode, "socketcall") == 0) return int80_connect(&ss, len, 1);
  if (strcmp(mode, "uring") == 0) return uring_connect(&ss, len);
  fprintf(stderr, "probe: unknown mode %s\n", mode);
  return 2;
}
