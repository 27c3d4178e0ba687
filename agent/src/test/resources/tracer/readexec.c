/* Code run from a file mapped PROT_READ only: under the READ_IMPLIES_EXEC personality the kernel
   makes such a mapping executable, so the filter's PROT_EXEC test never sees it.
   usage: readexec set|inherited FILE
   set: ask for READ_IMPLIES_EXEC with personality(2) first ("personality ok|err=N");
   inherited: rely on the personality the process already has (setarch -X, or its parent's).
   FILE holds x86_64 code returning a number ("mov eax, 42; ret"). Maps it PROT_READ, reads the
   mapping's permissions in /proc/self/maps and, only when it is executable, calls it:
   prints "ran N" or "not executable". x86_64 only. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/personality.h>
#include <unistd.h>

static int executable(void *p) {
  FILE *maps = fopen("/proc/self/maps", "r");
  char line[512];
  unsigned long from, to;
  char perms[8];
  int x = 0;
  while (maps && fgets(line, sizeof line, maps)) {
    if (sscanf(line, "%lx-%lx %7s", &from, &to, perms) == 3 && (unsigned long)p >= from && (unsigned long)p < to) {
      x = perms[2] == 'x';
    }
  }
  if (maps) fclose(maps);
  return x;
}

int main(int argc, char **argv) {
  if (argc < 3) return 2;
  if (strcmp(argv[1], "set") == 0) {
    int r = personality(READ_IMPLIES_EXEC);
    if (r < 0) printf("personality err=%d\n", errno); else printf("personality ok\n");
    fflush(stdout);
  }
  int fd = open(argv[2], O_RDONLY);
  if (fd < 0) { perror("open"); return 3; }
  void *p = mmap(0, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
  if (p == MAP_FAILED) { perror("mmap"); return 3; }
  if (executable(p)) {
    printf("ran %d\n", ((int (*)(void))p)());
  } else {
    printf("not executable\n");
  }
  return 0;
}
