/* An LD_AUDIT object: ld.so calls la_version before the program runs. */
#include <link.h>
unsigned int la_version(unsigned int version) {
  return version;
}
