package io.nectarfs.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.AccessTarget;
import com.tngtech.archunit.core.domain.JavaCall;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.properties.HasName;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.CompositeArchRule;
import com.tngtech.archunit.lang.EvaluationResult;
import io.nectarfs.chunk.ChunkStores;
import io.nectarfs.common.archfixture.HandWiredVolume;
import io.nectarfs.common.archfixture.WrongWayDependency;
import io.nectarfs.meta.MetaClient;
import io.nectarfs.meta.MetaEngines;
import io.nectarfs.object.ObjectStore;
import io.nectarfs.object.ObjectStores;
import io.nectarfs.vfs.Vfses;
import org.junit.jupiter.api.Test;

/**
 * Keeps the layering of ARCHITECTURE.md: {@code common ← object ← chunk ← vfs ← front ends} and
 * {@code common ← meta ← vfs}; only {@code io.nectarfs.volume} opens and wires the layers of a
 * volume. The CLI module sees every module, so its tests import all NectarFS main classes.
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
          .layer("vfs").definedBy("io.nectarfs.vfs..", "io.nectarfs.fs..", "io.nectarfs.volume..")
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

  /**
   * The gateways (WebDAV, S3) stand on {@code Volume} and the file API {@code io.nectarfs.fs}
   * only: never on the inode-level VFS, the chunk store, object storage or the FUSE server.
   */
  static final ArchRule GATEWAY_ON_FILE_API =
      noClasses()
          .that().resideInAPackage("io.nectarfs.gateway..")
          .should().dependOnClassesThat().resideInAnyPackage("io.nectarfs.vfs..", "io.nectarfs.chunk..", "io.nectarfs.object..", "io.nectarfs.fuse..")
          .because("FRONT-ENDS.md: a gateway serves Volume.fileSystem(), the file API");

  /**
   * The CSI driver administers volumes through {@code Volume} and the metadata API (directories,
   * quotas) and mounts them with a separate {@code nectar mount}: never the VFS, chunk store,
   * object storage or FUSE server in its own process.
   */
  static final ArchRule CSI_ON_VOLUME_AND_META =
      noClasses()
          .that().resideInAPackage("io.nectarfs.csi..")
          .should().dependOnClassesThat().resideInAnyPackage("io.nectarfs.vfs..", "io.nectarfs.chunk..", "io.nectarfs.object..", "io.nectarfs.fuse..")
          .because("FRONT-ENDS.md: the CSI driver stands on Volume and the meta APIs; the mount runs as its own process");

  static final ArchRule NO_EXIT_IN_LIBRARIES =
      noClasses()
          .that().resideOutsideOfPackage("io.nectarfs.cli..")
          .should().callMethod(System.class, "exit", int.class)
          .because("library code throws; only the CLI decides the exit code");

  /**
   * {@code owner.method} (any overload) is called only by {@link io.nectarfs.volume.Volume}'s
   * package, the test kit, and {@code owner}'s own package (plus {@code allowed} classes).
   */
  private static ArchRule onlyTheVolumeCalls(Class<?> owner, String method, Class<?>... allowed) {
    return noClasses()
        .that().resideOutsideOfPackages("io.nectarfs.volume..", "io.nectarfs.testkit..", owner.getPackageName() + "..")
        .and(DescribedPredicate.not(JavaClass.Predicates.belongToAnyOf(allowed)))
        .should().callMethodWhere(JavaCall.Predicates.target(AccessTarget.Predicates.declaredIn(owner))
            .and(JavaCall.Predicates.target(HasName.Predicates.name(method))))
        .because("only io.nectarfs.volume.Volume assembles metadata, storage, chunk store and VFS");
  }

  /** Nothing outside {@code io.nectarfs.volume} (and the test kit) wires the layers of a volume. */
  static final ArchRule WIRING_ONLY_IN_VOLUME = CompositeArchRule
      .of(onlyTheVolumeCalls(MetaClient.class, "open"))
      .and(onlyTheVolumeCalls(MetaEngines.class, "open"))
      .and(onlyTheVolumeCalls(ChunkStores.class, "open"))
      .and(onlyTheVolumeCalls(Vfses.class, "open"))
      // objbench measures a bare object store given by URL: no volume, nothing to wire
      .and(onlyTheVolumeCalls(ObjectStores.class, "open", ObjbenchCommand.class));

  /** Every main class, imported once for the class's tests (an import takes seconds). */
  private static JavaClasses mainClasses() {
    return MainClasses.ALL;
  }

  private static final class MainClasses {
    static final JavaClasses ALL = new ClassFileImporter()
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
  void gateway_standsOnTheFileApiOnly() {
    JavaClasses classes = mainClasses();
    assertThat(classes.containPackage("io.nectarfs.gateway.webdav")).as("gateway module imported").isTrue();
    GATEWAY_ON_FILE_API.check(classes);
  }

  @Test
  void csi_standsOnVolumeAndMetaOnly() {
    JavaClasses classes = mainClasses();
    assertThat(classes.containPackage("io.nectarfs.csi")).as("csi module imported").isTrue();
    CSI_ON_VOLUME_AND_META.check(classes);
  }

  @Test
  void libraries_neverCallSystemExit() {
    NO_EXIT_IN_LIBRARIES.check(mainClasses());
  }

  @Test
  void volumesAreWiredOnlyByTheVolumePackage() {
    JavaClasses classes = mainClasses();
    assertThat(classes.containPackage("io.nectarfs.volume")).as("volume package imported").isTrue();
    WIRING_ONLY_IN_VOLUME.check(classes);
  }

  @Test
  void wiringRule_catchesHandWiring() {
    JavaClasses bad = new ClassFileImporter().importClasses(HandWiredVolume.class, ChunkStores.class, MetaClient.class);
    EvaluationResult r = WIRING_ONLY_IN_VOLUME.evaluate(bad);
    assertThat(r.hasViolation()).isTrue();
    assertThat(r.getFailureReport().toString()).contains("HandWiredVolume", "ChunkStores.open", "MetaClient.open");
  }

  @Test
  void rule_catchesAWrongWayDependency() {
    JavaClasses bad = new ClassFileImporter().importClasses(WrongWayDependency.class, ObjectStore.class);
    EvaluationResult r = LAYERS.evaluate(bad);
    assertThat(r.hasViolation()).isTrue();
    assertThat(r.getFailureReport().toString()).contains("WrongWayDependency");
  }
}
