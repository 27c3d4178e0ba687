package dev.plumbline;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The package map of docs/architecture.md, enforced on the compiled main classes: packages follow
 * the data flow, a lower layer never imports a higher one, no two packages import each other, JNA
 * stays in the bindings package and only the CLI prints.
 */
class ArchitectureTest {
  static final String ROOT = "dev.plumbline";

  /**
   * Lowest first. A package may import packages of its own layer only where the list inside a
   * layer says so (earlier entries are lower), and any package of a lower layer.
   */
  static final List<List<String>> LAYERS =
      List.of(
          List.of("text", "linux", "net", "redact"),
          List.of("trace.decode", "trace"),
          List.of("trace.ptrace"),
          List.of("egress.dns", "egress"),
          List.of("env"),
          List.of("packages"),
          List.of("record"),
          List.of("sign"),
          List.of("attest"),
          List.of("sigstore"),
          List.of("verify"),
          List.of("policy"),
          List.of("report"),
          List.of("query"),
          List.of("ci"),
          List.of("cli"));

  static JavaClasses main;

  @BeforeAll
  static void importMain() {
    main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS).importPackages(ROOT);
  }

  /** Every package in order, lowest first. */
  static List<String> order() {
    List<String> out = new ArrayList<>();
    LAYERS.forEach(out::addAll);
    return out;
  }

  static String fq(String p) {
    return ROOT + "." + p;
  }

  static ArchRule noCycles(String root) {
    return slices().matching(root + ".(**)").should().beFreeOfCycles();
  }

  /** Classes of {@code lower} must not depend on any package listed after it in {@code order}. */
  static List<ArchRule> noUpwardImports(String root, List<String> order) {
    List<ArchRule> rules = new ArrayList<>();
    for (int i = 0; i < order.size(); i++) {
      List<String> higher = order.subList(i + 1, order.size()).stream().map(p -> root + "." + p).toList();
      if (higher.isEmpty()) {
        continue;
      }
      rules.add(
          noClasses()
              .that()
              .resideInAPackage(root + "." + order.get(i))
              .should()
              .dependOnClassesThat()
              .resideInAnyPackage(higher.toArray(new String[0]))
              .because(order.get(i) + " is below " + String.join(", ", order.subList(i + 1, order.size())))
              // a package of the map may not exist yet (ci arrives with the CI integration)
              .allowEmptyShould(true));
    }
    return rules;
  }

  @Test
  void everyPackageHasAPlaceInTheMap() {
    Set<String> unplaced = new TreeSet<>();
    for (JavaClass c : main) {
      String pkg = c.getPackageName();
      if (pkg.equals(ROOT)) {
        continue;
      }
      String rel = pkg.substring(ROOT.length() + 1);
      if (!order().contains(rel)) {
        unplaced.add(rel);
      }
    }
    assertEquals(Set.of(), unplaced, "add new packages to LAYERS here and to docs/architecture.md");
    assertTrue(main.size() > 100, "the test must actually see the main classes: " + main.size());
  }

  @Test
  void noPackageCycles() {
    noCycles(ROOT).check(main);
  }

  @Test
  void aLowerLayerNeverImportsAHigherOne() {
    for (ArchRule rule : noUpwardImports(ROOT, order())) {
      rule.check(main);
    }
  }

  @Test
  void theRulesCatchACycleAndAnUpwardImport() {
    JavaClasses fixtures = new ClassFileImporter().importPackages(ROOT + ".archfixture");
    EvaluationResult cycle = noCycles(ROOT + ".archfixture.cycle").evaluate(fixtures);
    assertTrue(cycle.hasViolation(), "a.A ↔ b.B is a cycle");
    assertTrue(cycle.getFailureReport().toString().contains("Cycle detected"), cycle.getFailureReport().toString());
    List<ArchRule> layered = noUpwardImports(ROOT + ".archfixture.upward", List.of("low", "high"));
    assertEquals(1, layered.size());
    assertTrue(layered.get(0).evaluate(fixtures).hasViolation(), "low imports high");
    List<ArchRule> fine = noUpwardImports(ROOT + ".archfixture.upward", List.of("high", "low"));
    assertTrue(!fine.get(0).evaluate(fixtures).hasViolation(), "high may be imported by low when high is lower");
  }

  @Test
  void jnaIsUsedOnlyInTheLinuxBindingsPackage() {
    noClasses()
        .that()
        .resideOutsideOfPackage(fq("linux"))
        .should()
        .dependOnClassesThat()
        .resideInAPackage("com.sun.jna..")
        .check(main);
  }

  @Test
  void onlyTheCliPrints() {
    noClasses()
        .that()
        .resideOutsideOfPackage(fq("cli"))
        .should()
        .accessField(System.class, "out")
        .orShould()
        .accessField(System.class, "err")
        .because("only the CLI decides what a person sees; library code logs through slf4j")
        .check(main);
  }
}
