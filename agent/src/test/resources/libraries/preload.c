/* An LD_PRELOAD object: runs code in every process that loads it, without an exec. */
#include <unistd.h>
__attribute__((constructor)) static void injected(void) {
  static const char msg[] = "preloaded\n";
  (void) !write(2, msg, sizeof msg - 1);
}
