#ifndef HELLO_H
#define HELLO_H
#include <stddef.h>
void greet(const char *name);
size_t count_vowels(const char *s);
unsigned long checksum(const char *s);
#endif
