#include <stdio.h>
#include "hello.h"
#include "version.h"

void greet(const char *name) { printf("hello, %s (v%s)\n", name, HELLO_VERSION); }
