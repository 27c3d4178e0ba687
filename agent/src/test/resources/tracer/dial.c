/* usage: dial tcp|udp|udp6 ADDRESS PORT — connect (tcp) or sendto "hello" (udp); exits with the errno */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc < 4) return 2;
  int v6 = strcmp(argv[1], "udp6") == 0;
  struct sockaddr_in a;
  struct sockaddr_in6 a6;
  memset(&a, 0, sizeof a);
  memset(&a6, 0, sizeof a6);
  a.sin_family = AF_INET;
  a.sin_port = htons(atoi(argv[3]));
  inet_pton(AF_INET, argv[2], &a.sin_addr);
  a6.sin6_family = AF_INET6;
  a6.sin6_port = htons(atoi(argv[3]));
  inet_pton(AF_INET6, argv[2], &a6.sin6_addr);
  struct sockaddr *sa = v6 ? (struct sockaddr *)&a6 : (struct sockaddr *)&a;
  socklen_t len = v6 ? sizeof a6 : sizeof a;
  if (strcmp(argv[1], "tcp") == 0) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    return connect(s, sa, len) == 0 ? 0 : errno;
  }
  int s = socket(v6 ? AF_INET6 : AF_INET, SOCK_DGRAM, 0);
  return sendto(s, "hello", 5, 0, sa, len) == 5 ? 0 : errno;
}
