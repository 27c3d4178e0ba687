/* the clone3 flag race: clone3's flags are in memory, so a second thread flips CLONE_UNTRACED in
   the struct clone_args while the main thread calls clone3, over and over; a child made untraced
   would run and exec outside the trace. usage: clone3race ATTEMPTS
   Prints "attempts=N enosys=E children=C untraced=U": every child reports whether a tracer is
   attached (TracerPid in /proc/self/status) through a pipe. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile struct clone_args args;
static volatile int stop;

static void *flip(void *unused) {
  (void)unused;
  while (!stop) args.flags = args.flags ? 0 : CLONE_UNTRACED;
  return 0;
}

static int traced(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  int pid = -1;
  while (f && fgets(line, sizeof line, f)) {
    if (sscanf(line, "TracerPid: %d", &pid) == 1) break;
  }
  if (f) fclose(f);
  return pid != 0;
}

int main(int argc, char **argv) {
  int attempts = argc > 1 ? atoi(argv[1]) : 200;
  int fds[2];
  if (pipe(fds) != 0) return 2;
  args.exit_signal = SIGCHLD;
  pthread_t t;
  pthread_create(&t, 0, flip, 0);
  int enosys = 0, children = 0, untraced = 0;
  for (int i = 0; i < attempts; i++) {
    long r = syscall(SYS_clone3, &args, sizeof args);
    if (r == 0) {
      char c = traced() ? 't' : 'u';
      write(fds[1], &c, 1);
      execl("/bin/true", "true", (char *)0);
      _exit(127);
    }
    if (r < 0) {
      if (errno == ENOSYS) enosys++;
      continue;
    }
    children++;
    char c;
    if (read(fds[0], &c, 1) == 1 && c == 'u') untraced++;
    waitpid((pid_t)r, 0, 0);
  }
  stop = 1;
  pthread_join(t, 0);
  printf("attempts=%d enosys=%d children=%d untraced=%d\n", attempts, enosys, children, untraced);
  return 0;
}
