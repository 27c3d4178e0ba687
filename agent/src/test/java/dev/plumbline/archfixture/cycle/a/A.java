package dev.plumbline.archfixture.cycle.a;

import dev.plumbline.archfixture.cycle.b.B;

/** Half of a deliberate package cycle: ArchitectureTest shows its cycle rule catches it. */
public final class A {
  public static int viaB() {
    return B.value() + 1;
  }

  public static int value() {
    return 1;
  }
}
