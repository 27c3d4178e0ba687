/* asks for children the tracer could not attach: clone and clone3 with CLONE_UNTRACED.
   Exits 0 when clone was refused with EPERM and clone3 with ENOSYS (plumbline's filter refuses
   every clone3: its flags are in memory, out of the filter's reach), 1 otherwise. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
int main(void) {
  int refused = 0;
  long r = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
  if (r == 0) { execl("/bin/true", "true", (char *)0); _exit(127); }
  if (r > 0) waitpid((pid_t)r, 0, 0); else if (errno == EPERM) refused++;
  struct clone_args args;
  memset(&args, 0, sizeof args);
  args.flags = CLONE_UNTRACED;
  args.exit_signal = SIGCHLD;
  r = syscall(SYS_clone3, &args, sizeof args);
  if (r == 0) { execl("/bin/true", "true", (char *)0); _exit(127); }
  if (r > 0) waitpid((pid_t)r, 0, 0); else if (errno == ENOSYS) refused++;
  return refused == 2 ? 0 : 1;
}
