/* A program run through the dynamic loader: ld-linux-x86-64.so.2 ./hello */
#include <stdio.h>
int main(void) {
  puts("hello from a program ld.so mapped");
  return 0;
}
