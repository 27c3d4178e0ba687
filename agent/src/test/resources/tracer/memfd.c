/* a fileless binary: /bin/true copied into a memfd and run with fexecve (execveat AT_EMPTY_PATH) */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
extern char **environ;
int main(void) {
  int fd = memfd_create("plumbline-fileless", 0);
  int in = open("/bin/true", O_RDONLY);
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0) write(fd, buf, n);
  close(in);
  char *argv[] = {"fileless", 0};
  fexecve(fd, argv, environ);
  return 127;
}
