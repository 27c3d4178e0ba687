package dev.plumbline.archfixture.cycle.b;

import dev.plumbline.archfixture.cycle.a.A;

/** The other half of the deliberate package cycle (see A). */
public final class B {
  public static int value() {
    return 2;
  }

  public static int viaA() {
    return A.value() + 2;
  }
}
