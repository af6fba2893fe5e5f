package io.sparkmemmap.it.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What the build hands the integration tests (see the module's pom): the jars under test, the classpath a Spark
 * distribution would have, the JVM options Spark needs on Java 17, and where tests put their files.
 */
public final class ItEnvironment {
  private ItEnvironment() {}

  /** The connector's shaded jar, as a user passes it to {@code spark-submit --jars}. */
  public static Path connectorShadedJar() {
    return existingFile("it.connectorShadedJar", "run `mvn package` on the connector module first");
  }

  /** The jar of this module's test jobs ({@code io.sparkmemmap.it.jobs}), an application jar for spark-submit. */
  public static Path jobsJar() {
    return existingFile("it.jobsJar", "it is built in the process-test-classes phase of this module");
  }

  /**
   * A Maven repository (the local kind's layout) that the build fills with the connector's main jar and published
   * pom before the tests run, and nothing else: what {@code --packages} resolves against in tests.
   */
  public static Path packagesRepository() {
    return existingFile("it.packagesRepository", "it is filled in the pre-integration-test phase of this module");
  }

  /** The connector's Maven coordinates, {@code io.sparkmemmap:spark-memmap_2.13:<version>}. */
  public static String connectorCoordinates() {
    return required("it.connectorCoordinates");
  }

  /** The examples module's jar. */
  public static Path examplesJar() {
    return existingFile("it.examplesJar", "run `mvn package` on the examples module first");
  }

  /**
   * Spark, Scala and Hadoop client jars and nothing of this project: what {@code $SPARK_HOME/jars} holds. Master,
   * workers, executors and spark-submit run on it; the connector reaches them only the way a user ships it.
   */
  public static List<String> sparkRuntimeClasspath() {
    Path file = existingFile("it.sparkRuntimeClasspath", "it is written in the generate-test-resources phase");
    try {
      String classpath = Files.readString(file).trim();
      return Arrays.stream(classpath.split(java.io.File.pathSeparator))
          .filter(entry -> !entry.isEmpty())
          .collect(Collectors.toUnmodifiableList());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Spark runtime classpath from " + file, e);
    }
  }

  /** This module's compiled tests (closures of in-process drivers run on executors from here). */
  public static Path testClasses() {
    return existingFile("it.testClasses", "it is compiled in the test-compile phase of this module");
  }

  /** The JVM options every Spark JVM needs on Java 17+ (add-opens) plus loopback binding. */
  public static List<String> sparkJvmOptions() {
    String options = required("it.sparkJvmOptions");
    return Arrays.stream(options.trim().split("\\s+")).collect(Collectors.toUnmodifiableList());
  }

  /** A fresh directory for one test's files under {@code target/it}, emptied if a previous run left one. */
  public static Path workDir(String name) {
    Path dir = Paths.get(required("it.workDir")).toAbsolutePath().resolve(name);
    try {
      if (Files.exists(dir)) {
        deleteRecursively(dir);
      }
      return Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + dir, e);
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(path);
      }
    }
  }

  private static Path existingFile(String property, String hint) {
    Path path = Paths.get(required(property)).toAbsolutePath();
    if (!Files.exists(path)) {
      throw new IllegalStateException(path + " (system property " + property + ") does not exist: " + hint);
    }
    return path;
  }

  private static String required(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      throw new IllegalStateException("system property " + property
          + " is not set: run the integration tests through Maven (mvn -pl integration-tests verify)");
    }
    return value;
  }
}
