package dev.plumbline.trace.ptrace;

/**
 * When the seccomp filter stops a call of one {@link SyscallTable} row, in terms classic BPF can
 * test: only the syscall's register arguments (their low or high 32 bits), never memory.
 */
sealed interface FilterRule {
  /** Every call stops. */
  record Always() implements FilterRule {}

  /** No call stops. */
  record Never() implements FilterRule {}

  /** The low 32 bits of argument {@code arg} have a bit of {@code mask} set. */
  record AnyBit(int arg, int mask) implements FilterRule {}

  /** The low 32 bits of argument {@code arg} equal one of {@code values}. */
  record ArgIn(int arg, int... values) implements FilterRule {}

  /** Argument {@code arg} (a pointer: both halves are checked) is not NULL. */
  record NonNull(int arg) implements FilterRule {}

  /** {@code first} or {@code second} holds. */
  record Either(FilterRule first, FilterRule second) implements FilterRule {}

  /** {@code first} and {@code second} hold. */
  record Both(FilterRule first, FilterRule second) implements FilterRule {}

  /** {@code rule} does not hold. */
  record Not(FilterRule rule) implements FilterRule {}

  /**
   * Not a stop: when {@code when} holds the filter itself fails the call with {@code errno}
   * (SECCOMP_RET_ERRNO). For what must never run whatever the tracer does, decided on registers
   * alone so no other thread can change the answer. The calls it lets through stop when {@code
   * otherwise} holds.
   */
  record Refuse(int errno, FilterRule when, FilterRule otherwise) implements FilterRule {}

  static FilterRule always() {
    return new Always();
  }

  static FilterRule anyBit(int arg, int mask) {
    return new AnyBit(arg, mask);
  }

  static FilterRule argIn(int arg, int... values) {
    return new ArgIn(arg, values);
  }

  static FilterRule nonNull(int arg) {
    return new NonNull(arg);
  }

  static FilterRule either(FilterRule first, FilterRule second) {
    return new Either(first, second);
  }

  static FilterRule both(FilterRule first, FilterRule second) {
    return new Both(first, second);
  }

  static FilterRule not(FilterRule rule) {
    return new Not(rule);
  }

  static FilterRule never() {
    return new Never();
  }

  /** Refused when {@code when} holds, else run without a stop. */
  static FilterRule refuse(int errno, FilterRule when) {
    return new Refuse(errno, when, never());
  }

  /** Refused when {@code when} holds, else a stop when {@code otherwise} holds. */
  static FilterRule refuse(int errno, FilterRule when, FilterRule otherwise) {
    return new Refuse(errno, when, otherwise);
  }
}
