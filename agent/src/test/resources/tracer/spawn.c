/* vfork, posix_spawn and a raw clone3 process (with the fork fallback glibc uses where clone3 fails
   with ENOSYS, as under plumbline), each exec'ing a binary */
#define _GNU_SOURCE
#include <linux/sched.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
extern char **environ;
int main(void) {
  pid_t p = vfork();
  if (p == 0) { execl("/bin/true", "true", (char *)0); _exit(127); }
  waitpid(p, 0, 0);
  char *argv[] = {"uname", "-s", 0};
  if (posix_spawn(&p, "/bin/uname", 0, 0, argv, environ) == 0) waitpid(p, 0, 0);
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.exit_signal = SIGCHLD;
  long r = syscall(SYS_clone3, &args, sizeof args);
  if (r < 0 && errno == ENOSYS) r = fork();
  if (r == 0) { execl("/bin/date", "date", "+%s", (char *)0); _exit(127); }
  if (r > 0) waitpid((pid_t)r, 0, 0);
  return 0;
}
