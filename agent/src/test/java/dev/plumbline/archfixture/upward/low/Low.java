package dev.plumbline.archfixture.upward.low;

import dev.plumbline.archfixture.upward.high.High;

/** A lower layer reaching up: ArchitectureTest shows its layer rule catches it. */
public final class Low {
  public static String name() {
    return High.class.getSimpleName();
  }
}
