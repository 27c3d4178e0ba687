/* exec from a non-leader thread: the kernel moves the thread to the leader's pid */
#include <pthread.h>
#include <unistd.h>
static void *run(void *arg) {
  (void)arg;
  execl("/bin/echo", "echo", "exec-from-thread", (char *)0);
  return 0;
}
int main(void) {
  pthread_t t;
  pthread_create(&t, 0, run, 0);
  for (;;) pause();
}
