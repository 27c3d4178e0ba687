/* A resolver client built twice, with glibc (gcc) and musl (musl-gcc): getaddrinfo(HOST), then an
 * HTTP GET of PATH from the first address that accepts. Exit 0 on a 200 answer. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: resolve HOST PORT PATH\n");
    return 2;
  }
  struct addrinfo hints = {0}, *res, *ai;
  hints.ai_socktype = SOCK_STREAM;
  int rc = getaddrinfo(argv[1], argv[2], &hints, &res);
  if (rc != 0) {
    fprintf(stderr, "resolve: %s: %s\n", argv[1], gai_strerror(rc));
    return 1;
  }
  for (ai = res; ai; ai = ai->ai_next) {
    int s = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (s < 0) continue;
    if (connect(s, ai->ai_addr, ai->ai_addrlen) != 0) {
      perror("resolve: connect");
      close(s);
      continue;
    }
    char req[512];
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.0\r\nHost: %s:%s\r\n\r\n", argv[3], argv[1], argv[2]);
    if (write(s, req, n) != n) return 1;
    char buf[64] = {0};
    ssize_t got = read(s, buf, sizeof buf - 1);
    close(s);
    return got > 12 && strncmp(buf + 9, "200", 3) == 0 ? 0 : 1;
  }
  return 1;
}
