/* what a build that hides would try: ptrace(PTRACE_TRACEME), io_uring, its own seccomp filter */
#define _GNU_SOURCE
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>
int main(void) {
  ptrace(PTRACE_TRACEME, 0, 0, 0);
  char params[120];
  memset(params, 0, sizeof params);
  long fd = syscall(SYS_io_uring_setup, 4, params);
  if (fd >= 0) close((int)fd);
  struct sock_filter allow[] = {BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)};
  struct sock_fprog prog = {1, allow};
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
  syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
  return 0;
}
