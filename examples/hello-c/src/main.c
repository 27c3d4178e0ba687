#include <stdio.h>
#include "hello.h"

int main(int argc, char **argv) {
  const char *name = argc > 1 ? argv[1] : "plumbline";
  greet(name);
  printf("vowels: %zu, checksum: %lu\n", count_vowels(name), checksum(name));
  return 0;
}
