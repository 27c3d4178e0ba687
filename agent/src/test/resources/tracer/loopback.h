/* the listener the race fixtures (race.c, threadrace.c, toctou.c) count arrivals on: 127.0.0.1:PORT,
   non-blocking so a drain loop stops when nothing is left; exits 3 when the port cannot be had */
static int loopback_listener(int type, unsigned short port) {
  int s = socket(AF_INET, type | SOCK_NONBLOCK, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(s, (struct sockaddr *)&a, sizeof a) != 0) { perror("bind"); exit(3); }
  if (type == SOCK_STREAM && listen(s, 512) != 0) { perror("listen"); exit(3); }
  return s;
}
