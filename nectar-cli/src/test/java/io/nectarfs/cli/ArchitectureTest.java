package io.nectarfs.cli;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.nectarfs.common.archfixture.WrongWayDependency;
import io.nectarfs.object.ObjectStore;
import org.junit.jupiter.api.Test;

/**
 * Keeps the layering of ARCHITECTURE.md: {@code common ← object ← chunk ← vfs ← front ends} and
 * {@code common ← meta ← vfs}. The CLI module sees every module, so its tests import all NectarFS
 * main classes.
 */
class ArchitectureTest {
  static final ArchRule LAYERS =
      layeredArchitecture()
          .consideringOnlyDependenciesInAnyPackage("io.nectarfs..")
          .withOptionalLayers(true)
          .layer("common").definedBy("io.nectarfs.common..")
          .layer("object").definedBy("io.nectarfs.object..")
          .layer("meta").definedBy("io.nectarfs.meta..")
          .layer("chunk").definedBy("io.nectarfs.chunk..")
          .layer("vfs").definedBy("io.nectarfs.vfs..", "io.nectarfs.fs..")
          .layer("frontends").definedBy("io.nectarfs.fuse..", "io.nectarfs.gateway..", "io.nectarfs.hadoop..", "io.nectarfs.csi..", "io.nectarfs.cache..")
          .layer("cli").definedBy("io.nectarfs.cli..")
          .layer("testkit").definedBy("io.nectarfs.testkit..")
          .whereLayer("cli").mayNotBeAccessedByAnyLayer()
          .whereLayer("testkit").mayNotBeAccessedByAnyLayer()
          .whereLayer("frontends").mayOnlyBeAccessedByLayers("cli")
          .whereLayer("vfs").mayOnlyBeAccessedByLayers("frontends", "cli", "testkit")
          .whereLayer("chunk").mayOnlyBeAccessedByLayers("vfs", "frontends", "cli", "testkit")
          .whereLayer("meta").mayOnlyBeAccessedByLayers("vfs", "frontends", "cli", "testkit")
          .whereLayer("object").mayOnlyBeAccessedByLayers("chunk", "vfs", "frontends", "cli", "testkit")
          .whereLayer("common").mayOnlyBeAccessedByLayers("object", "meta", "chunk", "vfs", "frontends", "cli", "testkit");

  static final ArchRule NO_EXIT_IN_LIBRARIES =
      noClasses()
          .that().resideOutsideOfPackage("io.nectarfs.cli..")
          .should().callMethod(System.class, "exit", int.class)
          .because("library code throws; only the CLI decides the exit code");

  private static JavaClasses mainClasses() {
    return new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .withImportOption(location -> location.contains("nectar-"))
        .importPackages("io.nectarfs");
  }

  @Test
  void layers_pointOneWay() {
    JavaClasses classes = mainClasses();
    assertThat(classes.containPackage("io.nectarfs.object")).as("object module imported").isTrue();
    assertThat(classes.containPackage("io.nectarfs.cli")).as("cli module imported").isTrue();
    LAYERS.check(classes);
  }

  @Test
  void libraries_neverCallSystemExit() {
    NO_EXIT_IN_LIBRARIES.check(mainClasses());
  }

  @Test
  void rule_catchesAWrongWayDependency() {
    JavaClasses bad = new ClassFileImporter().importClasses(WrongWayDependency.class, ObjectStore.class);
    EvaluationResult r = LAYERS.evaluate(bad);
    assertThat(r.hasViolation()).isTrue();
    assertThat(r.getFailureReport().toString()).contains("WrongWayDependency");
  }
}
