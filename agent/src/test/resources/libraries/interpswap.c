/*
 * The ELF interpreter swapped in a mount namespace of the build's own, with the real one's inode
 * number: run as  unshare -Urm interpswap DIR FAKE LOADER PROGRAM [ARG...].  Mounts a tmpfs on
 * DIR, makes and removes directories (which the tracer does not stop) until the tmpfs's next
 * inode number is LOADER's, copies FAKE there, bind-mounts it over LOADER and execs PROGRAM,
 * whose PT_INTERP names LOADER: the kernel maps FAKE as its interpreter.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc < 5) {
    fprintf(stderr, "usage: interpswap DIR FAKE LOADER PROGRAM [ARG...]\n");
    return 2;
  }
  const char *dir = argv[1], *fake = argv[2], *loader = argv[3];
  struct stat real;
  if (stat(loader, &real) != 0 || mount("tmpfs", dir, "tmpfs", 0, NULL) != 0) {
    perror("stat or mount tmpfs");
    return 2;
  }
  char probe[4096], copy[4096];
  snprintf(probe, sizeof probe, "%s/p", dir);
  snprintf(copy, sizeof copy, "%s/ld.so", dir);
  if (mkdir(probe, 0700) != 0) {
    perror("mkdir");
    return 2;
  }
  struct stat p;
  stat(probe, &p);
  rmdir(probe);
  if (p.st_ino >= real.st_ino || real.st_ino - p.st_ino > 20000000) {
    fprintf(stderr, "inode %lu cannot be reached from %lu\n", (unsigned long) real.st_ino, (unsigned long) p.st_ino);
    return 3;
  }
  for (unsigned long n = real.st_ino - p.st_ino - 1; n > 0; n--) {
    if (mkdir(probe, 0700) != 0 || rmdir(probe) != 0) {
      perror("mkdir/rmdir");
      return 2;
    }
  }
  int in = open(fake, O_RDONLY), out = open(copy, O_WRONLY | O_CREAT | O_EXCL, 0755);
  char buf[65536];
  ssize_t k;
  while (in >= 0 && out >= 0 && (k = read(in, buf, sizeof buf)) > 0) {
    if (write(out, buf, k) != k) {
      return 2;
    }
  }
  struct stat c;
  if (out < 0 || fstat(out, &c) != 0 || close(out) != 0) {
    perror("copy");
    return 2;
  }
  if (c.st_ino != real.st_ino) {
    fprintf(stderr, "the copy has inode %lu, not %lu\n", (unsigned long) c.st_ino, (unsigned long) real.st_ino);
    return 3;
  }
  if (mount(copy, loader, NULL, MS_BIND, NULL) != 0) {
    perror("bind mount");
    return 2;
  }
  execv(argv[4], argv + 4);
  perror("execv");
  return 2;
}
