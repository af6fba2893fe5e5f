package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.it.harness.ChildJvm;
import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.SparkSubmitRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.jar.JarFile;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The connector added the way users add connectors: {@code spark-submit --packages
 * io.sparkmemmap:spark-memmap_2.13:<version>}, resolved by Spark's own Ivy resolution from a Maven repository that
 * holds only what this build publishes (the connector's main jar and its published pom), with no network, a fresh
 * Ivy home and a home directory without {@code ~/.m2} or {@code ~/.ivy2}. The application is the QuickStart
 * example from the examples jar, which holds no class of the connector; NumPy checks what it wrote.
 */
class PackagesSubmitTest {
  private static final String RESOLVER = "this-build";
  private static final long ROWS = 100_000;
  private static final int DIM = 8;

  @Test
  void quickStartRunsWithTheConnectorFromPackages() throws Exception {
    Path dir = ItEnvironment.workDir("submit-packages");
    Path ivyHome = dir.resolve("ivy");
    Path home = Files.createDirectories(dir.resolve("home"));
    Path out = dir.resolve("quickstart");
    Path repository = ItEnvironment.packagesRepository();
    // Only this build's repository: Spark's default chain (~/.m2, the Ivy cache, remote repositories) is not used.
    Path ivySettings = Files.writeString(dir.resolve("ivysettings.xml"), String.join("\n",
        "<ivysettings>",
        "  <settings defaultResolver=\"" + RESOLVER + "\"/>",
        "  <resolvers>",
        "    <ibiblio name=\"" + RESOLVER + "\" m2compatible=\"true\" root=\"" + repository.toUri() + "\"/>",
        "  </resolvers>",
        "</ivysettings>",
        ""), StandardCharsets.UTF_8);
    assertTrue(examplesJarHoldsOnlyExamples(), "the examples jar brings no class of the connector");

    String coordinates = ItEnvironment.connectorCoordinates();
    ChildJvm submit = SparkSubmitRun.named("packages-quickstart", dir)
        .master("local[2]")
        .packages(coordinates)
        .conf("spark.jars.ivy", ivyHome.toString())
        .conf("spark.jars.ivySettings", ivySettings.toString())
        .driverJvmOption("-Duser.home=" + home)
        .shortJob()
        .application(ItEnvironment.examplesJar(), "io.sparkmemmap.examples.QuickStart", out.toString())
        .runSuccessfully(Duration.ofMinutes(3));

    String[] gav = coordinates.split(":");
    String fetchedName = gav[0] + "_" + gav[1] + "-" + gav[2] + ".jar";
    Path published = repository.resolve(gav[0].replace('.', '/')).resolve(gav[1]).resolve(gav[2])
        .resolve(gav[1] + "-" + gav[2] + ".jar");
    List<String> fetched;
    try (Stream<Path> jars = Files.list(ivyHome.resolve("jars"))) {
      fetched = jars.map(jar -> jar.getFileName().toString()).sorted().collect(Collectors.toList());
    }
    String log = submit.logText();
    assertAll(
        () -> assertEquals(List.of(fetchedName), fetched,
            "Ivy fetched the connector's jar and nothing else: no Spark, Scala or Hadoop jar"),
        () -> assertArrayEquals(Files.readAllBytes(published), Files.readAllBytes(ivyHome.resolve("jars/" + fetchedName)),
            "the jar fetched is the one the build published"),
        () -> assertTrue(log.contains("found " + gav[0] + "#" + gav[1] + ";" + gav[2] + " in " + RESOLVER),
            "Spark's Ivy resolution found the connector in this build's repository. " + submit.describeLog()),
        () -> assertTrue(log.contains("rows read back: " + ROWS), submit.describeLog()));

    // QuickStart writes (N, 8) float32 rows whose element j is j + a uniform number in [0, 1), then one structured
    // part file per task of (id = _row_index, first = value[0], total = the sum of the row in double).
    Python.run("import glob\n"
        + "emb = np.load(" + Python.literal(out.resolve("embeddings.npy")) + ", mmap_mode='r')\n"
        + "assert emb.dtype == np.dtype('<f4') and emb.shape == (" + ROWS + ", " + DIM + "), (emb.dtype, emb.shape)\n"
        + "frac = emb - np.arange(" + DIM + ", dtype='<f4')\n"
        + "assert (frac >= 0).all() and (frac <= 1).all(), (frac.min(), frac.max())\n"
        + "assert len(np.unique(emb[:, 0])) > " + ROWS + " // 2, 'the rows are random, not one value'\n"
        + "parts = sorted(glob.glob(" + Python.literal(out.resolve("scores")) + " + '/part-*.npy'))\n"
        + "assert parts, 'no part files'\n"
        + "s = np.concatenate([np.load(f) for f in parts])\n"
        + "assert s.dtype.names == ('id', 'first', 'total'), s.dtype\n"
        + "assert s.dtype['id'] == np.dtype('<i8') and s.dtype['first'] == np.dtype('<f4')"
        + " and s.dtype['total'] == np.dtype('<f8'), s.dtype\n"
        + "s = s[np.argsort(s['id'])]\n"
        + "assert (s['id'] == np.arange(" + ROWS + ")).all()\n"
        + "assert (s['first'] == emb[:, 0]).all()\n"
        + "assert np.allclose(s['total'], emb.astype('<f8').sum(axis=1), rtol=1e-12, atol=0)\n");
  }

  /** Whether every class in the examples jar is an example's: the connector can only come from the packages. */
  private static boolean examplesJarHoldsOnlyExamples() throws Exception {
    try (JarFile jar = new JarFile(ItEnvironment.examplesJar().toFile())) {
      return jar.stream()
          .map(entry -> entry.getName())
          .filter(name -> name.endsWith(".class"))
          .allMatch(name -> name.startsWith("io/sparkmemmap/examples/"));
    }
  }
}
