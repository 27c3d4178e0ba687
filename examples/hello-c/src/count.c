#include <string.h>
#include "hello.h"

size_t count_vowels(const char *s) {
  size_t n = 0;
  for (; *s; s++) {
    if (strchr("aeiouAEIOU", *s)) n++;
  }
  return n;
}
