/* A socket made outside the traced tree, handed to a command as descriptor FD, as a CI step or a
   wrapper script would (exec 7<>/dev/tcp/HOST/PORT; stdout to journald): opens it, dup2s it to
   FD and execs the command, which inherits it.
   usage: withsocket FD KIND ADDRESS PORT COMMAND...
   KIND: tcp, udp (connected), listen (TCP, listening on ADDRESS:PORT), unix (stream, connected
   to the path ADDRESS; PORT ignored), packet (AF_PACKET, needs CAP_NET_RAW; ADDRESS, PORT ignored)
   withsocket detach FD: tries to detach FD's socket filter; prints "locked" (EPERM: a locked
   filter is on it) or "unlocked". */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#ifndef SO_DETACH_FILTER
#define SO_DETACH_FILTER 27
#endif
#ifndef AF_PACKET
#define AF_PACKET 17
#endif
int main(int argc, char **argv) {
  if (argc == 3 && !strcmp(argv[1], "detach")) {
    int zero = 0;
    int r = setsockopt(atoi(argv[2]), SOL_SOCKET, SO_DETACH_FILTER, &zero, sizeof zero);
    puts(r != 0 && errno == EPERM ? "locked" : "unlocked");
    return 0;
  }
  if (argc < 6) {
    fprintf(stderr, "usage: withsocket FD KIND ADDRESS PORT COMMAND...\n");
    return 2;
  }
  int fd = atoi(argv[1]), s = -1, rc = 0;
  const char *kind = argv[2];
  struct sockaddr_in in = {.sin_family = AF_INET, .sin_port = htons(atoi(argv[4]))};
  inet_pton(AF_INET, argv[3], &in.sin_addr);
  if (!strcmp(kind, "tcp") || !strcmp(kind, "udp")) {
    s = socket(AF_INET, !strcmp(kind, "tcp") ? SOCK_STREAM : SOCK_DGRAM, 0);
    rc = connect(s, (struct sockaddr *)&in, sizeof in);
  } else if (!strcmp(kind, "listen")) {
    int one = 1;
    s = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    rc = bind(s, (struct sockaddr *)&in, sizeof in);
    if (rc == 0) rc = listen(s, 16);
  } else if (!strcmp(kind, "unix")) {
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    strncpy(un.sun_path, argv[3], sizeof un.sun_path - 1);
    s = socket(AF_UNIX, SOCK_STREAM, 0);
    rc = connect(s, (struct sockaddr *)&un, sizeof un);
  } else if (!strcmp(kind, "packet")) {
    s = socket(AF_PACKET, SOCK_DGRAM, 0);
  }
  if (s < 0 || rc != 0) {
    fprintf(stderr, "withsocket: %s %s:%s: %s\n", kind, argv[3], argv[4], strerror(errno));
    return 3;
  }
  if (s != fd) {
    dup2(s, fd);
    close(s);
  }
  execvp(argv[5], argv + 5);
  fprintf(stderr, "withsocket: exec %s: %s\n", argv[5], strerror(errno));
  return 127;
}
