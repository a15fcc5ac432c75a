package io.seedstream.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The module graph of the README, class by class (each module's pom also bans the artifacts above it,
 * see the enforcer rules): segmentation <- records <- flink-jobs / model-server <- cli <- benchmarks,
 * with embedded-kafka beside them and seedstream-model (segmentation <- model <- model-server,
 * cli); the three jobs share only flink-jobs' common package; and no
 * package cycles.
 */
class ArchitectureTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.seedstream");

    @Test
    void theCoreKnowsNoStreamingServingOrCommandLine() {
        noClasses()
                .that()
                .resideInAPackage("io.seedstream.segmentation..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.apache.flink..",
                        "org.apache.kafka..",
                        "kafka..",
                        "org.apache.avro..",
                        "picocli..",
                        "io.javalin..",
                        "io.seedstream.records..",
                        "io.seedstream.model..",
                        "io.seedstream.embedded..",
                        "io.seedstream.flink..",
                        "io.seedstream.server..",
                        "io.seedstream.cli..",
                        "io.seedstream.benchmarks..")
                .check(MAIN);
    }

    /** An allow-list: what a model exported from SeedStream needs outside it, the core and DJL. */
    @Test
    void theExportedModelsArtifactUsesOnlyTheCoreAndDjl() {
        classes()
                .that()
                .resideInAPackage("io.seedstream.model..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("io.seedstream.model..", "io.seedstream.segmentation..", "ai.djl..", "java..")
                .check(MAIN);
    }

    /** An allow-list: records' pom leaves DJL out, so any class that needs it would fail at run time. */
    @Test
    void recordsUseOnlyThePlainCoreKafkaClientsAvroAndPicocli() {
        classes()
                .that()
                .resideInAPackage("io.seedstream.records..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage(
                        "io.seedstream.records..",
                        "io.seedstream.segmentation.data..",
                        "io.seedstream.segmentation.config..",
                        "java..",
                        "org.apache.avro..",
                        "org.apache.kafka.clients..",
                        "org.apache.kafka.common..",
                        "picocli..",
                        "org.slf4j..")
                .check(MAIN);
    }

    @Test
    void theJobsAndTheServerDoNotKnowEachOtherNorWhatRunsThem() {
        noClasses()
                .that()
                .resideInAPackage("io.seedstream.flink..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.seedstream.server..",
                        "io.seedstream.embedded..",
                        "io.seedstream.cli..",
                        "io.seedstream.benchmarks..")
                .check(MAIN);
        noClasses()
                .that()
                .resideInAPackage("io.seedstream.server..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "org.apache.flink..",
                        "io.seedstream.flink..",
                        "io.seedstream.embedded..",
                        "io.seedstream.cli..",
                        "io.seedstream.benchmarks..")
                .check(MAIN);
    }

    @Test
    void theJobsShareOnlyTheirPlumbing() {
        List<String> jobs = List.of(
                "io.seedstream.flink.localization..", "io.seedstream.flink.training..", "io.seedstream.flink.active..");
        for (String job : jobs) {
            List<String> others = new ArrayList<>(jobs);
            others.remove(job);
            others.add("io.seedstream.flink");
            noClasses()
                    .that()
                    .resideInAPackage(job)
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(others.toArray(String[]::new))
                    .check(MAIN);
        }
        List<String> above = new ArrayList<>(jobs);
        above.add("io.seedstream.flink");
        noClasses()
                .that()
                .resideInAPackage("io.seedstream.flink.common..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(above.toArray(String[]::new))
                .check(MAIN);
    }

    @Test
    void theCommandLineDoesNotKnowTheBenchmarksAndTheBrokerKnowsNoSeedStream() {
        noClasses()
                .that()
                .resideInAPackage("io.seedstream.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.seedstream.benchmarks..")
                .check(MAIN);
        noClasses()
                .that()
                .resideInAPackage("io.seedstream.embedded..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.seedstream.segmentation..",
                        "io.seedstream.records..",
                        "io.seedstream.flink..",
                        "io.seedstream.server..",
                        "io.seedstream.cli..",
                        "io.seedstream.benchmarks..")
                .check(MAIN);
    }

    @Test
    void noPackageCycles() {
        slices().matching("io.seedstream.(**)").should().beFreeOfCycles().check(MAIN);
    }
}
