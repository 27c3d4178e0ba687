/* A library that is dlopen'ed, called and dlclose'd before the process exits. */
int plugin_answer(void) {
  return 42;
}
