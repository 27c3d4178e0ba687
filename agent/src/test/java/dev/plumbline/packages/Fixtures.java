package dev.plumbline.packages;

import java.net.URISyntaxException;
import java.nio.file.Path;

final class Fixtures {
  private Fixtures() {}

  static Path resource(String name) {
    try {
      return Path.of(Fixtures.class.getResource("/packages/" + name).toURI());
    } catch (URISyntaxException | NullPointerException e) {
      throw new IllegalStateException("test resource packages/" + name + " is missing", e);
    }
  }
}
