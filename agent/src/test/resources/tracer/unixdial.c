/*
 * Attacks on --deny-unix: reach a denied unix socket through another name for it. Each mode prints
 * one line "TAG ok" or "TAG err=N" (the race modes print their counts).
 *
 *   unixdial connect PATH TAG            stream connect to PATH, send one byte
 *   unixdial chdir DIR PATH TAG          chdir(DIR) first (PATH relative)
 *   unixdial dgram BIND TO TAG           binds a datagram receiver at BIND, sendto TO ("-": BIND)
 *                                        from an unbound socket, prints "TAG received=K" after
 *   unixdial dgrammsg BIND TO TAG        the same with sendmsg
 *   unixdial swap DIR ALLOWED DENIED N   a second thread swaps DIR/target between a symlink to
 *                                        ALLOWED and a hard link (else a symlink) to DENIED
 *                                        (renameat2 EXCHANGE)
 *                                        while N connects to DIR/target run
 *   unixdial flip ALLOWED DENIED N       a second thread flips the sockaddr's path between ALLOWED
 *                                        and DENIED (same length) while N connects use it
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

static void fill(struct sockaddr_un *a, const char *path) {
  memset(a, 0, sizeof *a);
  a->sun_family = AF_UNIX;
  strncpy(a->sun_path, path, sizeof a->sun_path - 1);
}

/* 0 when connected (and one byte sent), else errno */
static int dial(struct sockaddr_un *a) {
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  if (s < 0) return errno;
  int rc = connect(s, (struct sockaddr *) a, sizeof *a);
  int err = rc == 0 ? 0 : errno;
  if (rc == 0 && write(s, "x", 1) != 1) err = errno;
  close(s);
  return err;
}

static void report(const char *tag, int err) {
  if (err == 0) printf("%s ok\n", tag);
  else printf("%s err=%d\n", tag, err);
  fflush(stdout);
}

static volatile int stop;
static char swapdir[4096];
static struct sockaddr_un shared;
static char allowed[108], denied[108];

static void *swapper(void *arg) {
  char target[4200], other[4200];
  snprintf(target, sizeof target, "%s/target", swapdir);
  snprintf(other, sizeof other, "%s/other", swapdir);
  while (!stop) {
    syscall(SYS_renameat2, AT_FDCWD, target, AT_FDCWD, other, 2 /* RENAME_EXCHANGE */);
  }
  return NULL;
}

static void *flipper(void *arg) {
  size_t n = strlen(allowed);
  while (!stop) {
    memcpy(shared.sun_path, denied, n);
    memcpy(shared.sun_path, allowed, n);
  }
  return NULL;
}

static void race(void *(*thread)(void *), struct sockaddr_un *a, int n, const char *mode) {
  pthread_t t;
  pthread_create(&t, NULL, thread, NULL);
  int ok = 0, refused = 0, other = 0;
  for (int i = 0; i < n; i++) {
    int err = dial(a);
    if (err == 0) ok++;
    else if (err == EACCES) refused++;
    else other++;
  }
  stop = 1;
  pthread_join(t, NULL);
  printf("%s attempts=%d ok=%d refused=%d other=%d\n", mode, n, ok, refused, other);
  fflush(stdout);
}

int main(int argc, char **argv) {
  if (argc < 2) return 2;
  const char *mode = argv[1];
  struct sockaddr_un a;
  if (!strcmp(mode, "connect") && argc == 4) {
    fill(&a, argv[2]);
    report(argv[3], dial(&a));
  } else if (!strcmp(mode, "chdir") && argc == 5) {
    if (chdir(argv[2]) != 0) return 3;
    fill(&a, argv[3]);
    report(argv[4], dial(&a));
  } else if ((!strcmp(mode, "dgram") || !strcmp(mode, "dgrammsg")) && argc == 5) {
    /* a receiver bound at BIND (made by the build itself), a datagram sent to SENDTO */
    struct sockaddr_un b;
    fill(&b, argv[2]);
    unlink(argv[2]);
    int r = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (bind(r, (struct sockaddr *) &b, sizeof b) != 0) return 6;
    fill(&a, strcmp(argv[3], "-") ? argv[3] : argv[2]);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0);
    ssize_t rc;
    if (!strcmp(mode, "dgram")) {
      rc = sendto(s, "x", 1, 0, (struct sockaddr *) &a, sizeof a);
    } else {
      struct iovec iov = {"x", 1};
      struct msghdr m = {0};
      m.msg_name = &a;
      m.msg_namelen = sizeof a;
      m.msg_iov = &iov;
      m.msg_iovlen = 1;
      rc = sendmsg(s, &m, 0);
    }
    report(argv[4], rc == 1 ? 0 : errno);
    char buf[8];
    int received = 0;
    while (recv(r, buf, sizeof buf, MSG_DONTWAIT) > 0) received++;
    printf("%s received=%d\n", argv[4], received);
  } else if (!strcmp(mode, "swap") && argc == 6) {
    snprintf(swapdir, sizeof swapdir, "%s", argv[2]);
    char target[4200], other[4200];
    snprintf(target, sizeof target, "%s/target", swapdir);
    snprintf(other, sizeof other, "%s/other", swapdir);
    /* a hard link to the denied socket; a symlink where the kernel refuses one (protected_hardlinks:
       another user's socket) */
    if (symlink(argv[3], target) != 0 || (link(argv[4], other) != 0 && symlink(argv[4], other) != 0)) return 4;
    fill(&a, target);
    race(swapper, &a, atoi(argv[5]), "swap");
  } else if (!strcmp(mode, "flip") && argc == 5) {
    if (strlen(argv[2]) != strlen(argv[3]) || strlen(argv[2]) >= sizeof allowed) return 5;
    strcpy(allowed, argv[2]);
    strcpy(denied, argv[3]);
    fill(&shared, allowed);
    race(flipper, &shared, atoi(argv[4]), "flip");
  } else {
    return 2;
  }
  return 0;
}
