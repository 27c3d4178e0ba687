package dev.plumbline.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test whose {@code needs-…} tags the machine does not meet, with one line per missing
 * thing. Registered for every test through junit-platform.properties (extension autodetection).
 */
public final class Requirements implements BeforeAllCallback, BeforeEachCallback {
  @Override
  public void beforeAll(ExtensionContext context) {
    check(context);
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    check(context);
  }

  private static void check(ExtensionContext context) {
    List<String> missing = new ArrayList<>();
    for (String tag : context.getTags()) {
      Optional<Requirement> r = Requirement.ofTag(tag);
      r.flatMap(Requirement::check).ifPresent(what -> missing.add(tag + ": this test needs " + what));
    }
    if (!missing.isEmpty()) {
      throw new AssertionError(String.join("\n", missing));
    }
  }
}
