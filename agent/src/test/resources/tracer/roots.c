/* Changes its root or mount namespace and then touches files, as a hostile build would: each
 * argument is a command run in order (static, so it can exec itself inside an empty root):
 *   keep DIR          open DIR (O_DIRECTORY) into the next slot (0, 1, ...)
 *   chroot DIR | chdir DIR | fchdir SLOT | mkdir DIR | symlink TARGET NAME
 *   append PATH | create PATH | appendat SLOT PATH | createat SLOT PATH
 *   rename FROM TO | unlink PATH
 *   bind SRC DST      mount --bind (needs a mount namespace: run under unshare -Urm)
 *   pivot NEW OLD     pivot_root(NEW, OLD)
 *   detach DIR        umount2(DIR, MNT_DETACH)
 *   exec PATH ARG...  execv PATH with argv ARG... (the rest of the arguments)
 * Any failure exits 1 naming the command. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static int slots[16];
static int nslots;

static void check(int ok, const char *what, const char *arg) {
  if (!ok) {
    perror(what);
    fprintf(stderr, "roots: %s %s failed\n", what, arg);
    exit(1);
  }
}

static void put(int fd, const char *what, const char *path) {
  check(fd >= 0, what, path);
  check(write(fd, "x\n", 2) == 2, what, path);
  close(fd);
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *c = argv[i];
    const char *a = i + 1 < argc ? argv[i + 1] : "";
    const char *b = i + 2 < argc ? argv[i + 2] : "";
    if (!strcmp(c, "keep")) {
      int fd = open(a, O_RDONLY | O_DIRECTORY);
      check(fd >= 0, c, a);
      slots[nslots++] = fd;
      i++;
    } else if (!strcmp(c, "chroot")) {
      check(chroot(a) == 0, c, a);
      i++;
    } else if (!strcmp(c, "chdir")) {
      check(chdir(a) == 0, c, a);
      i++;
    } else if (!strcmp(c, "fchdir")) {
      check(fchdir(slots[atoi(a)]) == 0, c, a);
      i++;
    } else if (!strcmp(c, "mkdir")) {
      check(mkdir(a, 0755) == 0, c, a);
      i++;
    } else if (!strcmp(c, "symlink")) {
      check(symlink(a, b) == 0, c, b);
      i += 2;
    } else if (!strcmp(c, "append")) {
      put(open(a, O_WRONLY | O_APPEND), c, a);
      i++;
    } else if (!strcmp(c, "create")) {
      put(open(a, O_WRONLY | O_CREAT | O_EXCL, 0644), c, a);
      i++;
    } else if (!strcmp(c, "appendat")) {
      put(openat(slots[atoi(a)], b, O_WRONLY | O_APPEND), c, b);
      i += 2;
    } else if (!strcmp(c, "createat")) {
      put(openat(slots[atoi(a)], b, O_WRONLY | O_CREAT | O_EXCL, 0644), c, b);
      i += 2;
    } else if (!strcmp(c, "rename")) {
      check(rename(a, b) == 0, c, a);
      i += 2;
    } else if (!strcmp(c, "unlink")) {
      check(unlink(a) == 0, c, a);
      i++;
    } else if (!strcmp(c, "bind")) {
      check(mount(a, b, NULL, MS_BIND | MS_REC, NULL) == 0, c, b);
      i += 2;
    } else if (!strcmp(c, "pivot")) {
      check(syscall(SYS_pivot_root, a, b) == 0, c, a);
      i += 2;
    } else if (!strcmp(c, "detach")) {
      check(umount2(a, MNT_DETACH) == 0, c, a);
      i++;
    } else if (!strcmp(c, "exec")) {
      execv(a, argv + i + 2); /* ARG... is the new argv, from argv[0] */
      check(0, c, a);
    } else {
      fprintf(stderr, "roots: unknown command %s\n", c);
      return 2;
    }
  }
  return 0;
}
