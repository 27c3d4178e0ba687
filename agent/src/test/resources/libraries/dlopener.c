/* dlopen(argv[1]), call plugin_answer, dlclose: the library is gone from the maps before exit. */
#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
  if (argc < 2) return 2;
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) { fprintf(stderr, "%s\n", dlerror()); return 1; }
  int (*f)(void) = (int (*)(void)) dlsym(h, "plugin_answer");
  int v = f ? f() : -1;
  dlclose(h);
  printf("%d\n", v);
  return v == 42 ? 0 : 1;
}
