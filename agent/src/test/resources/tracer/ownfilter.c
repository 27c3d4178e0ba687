/* The build's own seccomp filter against the tracer's: among stacked filters the most restrictive
   action wins, and for equal actions the newest filter's data. usage: ownfilter MODE PORT FILE
   MODE listener: a filter returning SECCOMP_RET_USER_NOTIF (which beats SECCOMP_RET_TRACE) for
                  connect and openat, installed with SECCOMP_FILTER_FLAG_NEW_LISTENER; a thread made
                  before it (so unfiltered) answers every notification SECCOMP_USER_NOTIF_FLAG_CONTINUE:
                  the calls then run without the tracer's stop.
   MODE x32 / unknown / call: a filter returning SECCOMP_RET_TRACE with the data the tracer's own
                  filter uses for x32 calls (1), an unknown arch (2) or a call (0), for connect and
                  openat: the tracer must still see them as the calls they are.
   Then, whatever the filter's fate: connect to 127.0.0.1:PORT (its own listener) and send a byte,
   and append a line to FILE. Prints "filter ok|err=N", "connect ok|err=N", "write ok|err=N" and
   "received" when the byte reached the listener. x86_64 only. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "loopback.h"

static volatile int listener = -1;

static void *answer(void *unused) {
  (void)unused;
  while (listener < 0) usleep(1000);
  struct seccomp_notif req;
  struct seccomp_notif_resp resp;
  for (;;) {
    memset(&req, 0, sizeof req);
    if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &req) != 0) {
      if (errno == EINTR) continue;
      return 0;
    }
    memset(&resp, 0, sizeof resp);
    resp.id = req.id;
    resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
  }
}

static void report(const char *tag, long r) {
  if (r >= 0) printf("%s ok\n", tag); else printf("%s err=%d\n", tag, errno);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  const char *mode = argv[1];
  unsigned short port = atoi(argv[2]);
  int rx = loopback_listener(SOCK_STREAM, port);
  pthread_t t;
  int notify = strcmp(mode, "listener") == 0;
  if (notify && pthread_create(&t, 0, answer, 0) != 0) return 4;

  unsigned int action = SECCOMP_RET_TRACE | (strcmp(mode, "x32") == 0 ? 1 : strcmp(mode, "unknown") == 0 ? 2 : 0);
  if (notify) action = SECCOMP_RET_USER_NOTIF;
  struct sock_filter code[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_connect, 2, 0),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 1, 0),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    BPF_STMT(BPF_RET | BPF_K, action),
  };
  struct sock_fprog prog = {sizeof code / sizeof code[0], code};
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0, &prog);
  report("filter", r);
  if (notify && r >= 0) listener = (int)r;

  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  long c = connect(s, (struct sockaddr *)&a, sizeof a);
  report("connect", c);
  if (c == 0) {
    write(s, "x", 1);
    for (int i = 0; i < 200; i++) {
      int in = accept(rx, 0, 0);
      char b;
      if (in >= 0) {
        for (int j = 0; j < 200 && read(in, &b, 1) != 1; j++) usleep(5000);
        printf("received\n");
        break;
      }
      usleep(5000);
    }
  }
  int f = open(argv[3], O_WRONLY | O_CREAT | O_APPEND, 0644);
  report("write", f >= 0 ? write(f, "planted\n", 8) : -1);
  fflush(stdout);
  _exit(0); /* the answering thread is still in its ioctl */
}
