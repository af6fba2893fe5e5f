package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Every invalid read option is refused, through {@code spark.read...load(path)}, with the path it was given for as
 * the user wrote it (a file, a directory, a glob, several paths), then the option, the value and what is wrong: a
 * job that reads many inputs says which one was misconfigured (issue 18).
 */
class ReadOptionErrorsTest {
  @TempDir
  static Path dir;

  @BeforeAll
  static void writeFiles() throws IOException {
    Files.createDirectories(dir.resolve("dats"));
    Python.run(String.join("\n",
        "d = " + Python.literal(dir) + " + '/'",
        "np.arange(100, dtype='<f4').tofile(d + 'plain.dat')",
        "np.arange(10, dtype='<f4').tofile(d + 'dats/a.dat')",
        "np.arange(10, dtype='<f4').tofile(d + 'dats/b.dat')",
        "np.save(d + 'vector.npy', np.arange(10, dtype='<i8'))",
        "np.savez(d + 'pair.npz', x=np.arange(10, dtype='<i8'), y=np.ones(3))",
        ""));
  }

  /** Options of both formats, each set alone to a bad value on a file that reads well without it. */
  @ParameterizedTest(name = "{0}: {1}={2}")
  @CsvSource(delimiter = '|', value = {
      "memmap | dtype             | float33 | is refused: data type 'float33' not understood",
      "memmap | dtype             | <f16    | is refused: data type '<f16' is a long double",
      "memmap | dtype             | ' '     | is required by format memmap",
      "memmap | shape             | 4,x     | must be integers separated by commas, like '1000,16' or '-1,16', got '4,x'",
      "memmap | shape | 4,-1 | allows -1 (inferred) only on axis 0 and no other negative size, got '4,-1'",
      "memmap | shape | -2   | allows -1 (inferred) only on axis 0 and no other negative size, got '-2'",
      "memmap | offset            | -3      | must be a non-negative integer, got '-3'",
      "memmap | offset            | ten     | must be a non-negative integer, got 'ten'",
      "memmap | order             | K       | must be C or F, got 'K'",
      "memmap | layout            | wide    | must be auto, columns or flat, got 'wide'",
      "memmap | maxPartitionBytes | lots    | must be a byte count such as 134217728 or 128m, got 'lots'",
      "memmap | maxPartitionBytes | 0       | must be positive, got '0'",
      "memmap | batchSize         | 0       | must be a positive integer, got '0'",
      "memmap | bytesAsString     | yes     | must be true or false, got 'yes'",
      "memmap | datetimeAsLong    | 1       | must be true or false, got '1'",
      "memmap | pushDownAggregates| maybe   | must be true or false, got 'maybe'",
      "npy    | layout            | rows    | must be auto, columns or flat, got 'rows'",
      "npy    | batchSize         | -1      | must be a positive integer, got '-1'",
      "npy    | maxPartitionBytes | -1      | must be a byte count such as 134217728 or 128m, got '-1'",
      "npy    | bytesAsString     | no      | must be true or false, got 'no'",
  })
  void aBadOptionIsRefusedWithThePathOfTheFile(String format, String option, String value, String problem) {
    String file = format.equals("memmap") ? path("plain.dat") : path("vector.npy");
    DataFrameReader reader = spark().read().format(format);
    if (format.equals("memmap") && !option.equals("dtype")) {
      reader = reader.option("dtype", "<f4");
    }
    DataFrameReader configured = reader.option(option, value);
    assertRefused(() -> configured.load(file), file + ": option '" + option + "' " + problem);
  }

  @Test
  void aMissingDtypeIsRefusedWithThePath() {
    assertRefused(() -> spark().read().format("memmap").load(path("plain.dat")),
        path("plain.dat") + ": option 'dtype' is required by format memmap");
  }

  @Test
  void aDirectoryAGlobAndSeveralPathsAreNamedAsGiven() {
    DataFrameReader badDtype = spark().read().format("memmap").option("dtype", "<q9");
    assertRefused(() -> badDtype.load(path("dats")), path("dats") + ": option 'dtype' is refused");
    String glob = path("dats") + "/*.dat";
    assertRefused(() -> badDtype.load(glob), glob + ": option 'dtype' is refused");
    assertRefused(() -> badDtype.load(path("dats/a.dat"), path("plain.dat")),
        path("dats/a.dat") + ", " + path("plain.dat") + ": option 'dtype' is refused");
  }

  @Test
  void aTemporaryViewWithABadOptionIsRefusedWithThePath() {
    String file = path("plain.dat");
    assertRefused(() -> {
      spark().sql("CREATE OR REPLACE TEMPORARY VIEW bad_order USING memmap OPTIONS (path '" + file + "', dtype '<f4', "
          + "order 'Z')");
      spark().table("bad_order").collect();
    }, file + ": option 'order' must be C or F, got 'Z'");
  }

  /** Options that only the files can refuse name the file (in a directory, the file that refused them). */
  @Test
  void optionsTheFileRefusesNameTheFile() {
    String archive = path("pair.npz");
    assertRefused(() -> spark().read().format("npy").option("array", "z").load(archive),
        archive + ": has no array 'z' (option array); it holds: x, y");
    assertRefused(() -> spark().read().format("npy").load(archive),
        archive + ": the archive holds several arrays (x, y); choose one with option array");
    String vector = path("vector.npy");
    assertRefused(() -> spark().read().format("npy").option("array", "x").load(vector),
        vector + ": option array='x' names an entry of an .npz archive, but this is not a zip file");
    assertRefused(() -> spark().read().format("npy").option("layout", "columns").load(vector),
        vector + ": option layout=columns needs a 2-D array, but it has shape (10,)");
    String plain = path("plain.dat");
    assertRefused(() -> spark().read().format("memmap").option("dtype", "<f4").option("offset", "401").load(plain),
        plain + ": option offset=401 lies beyond the end of the file (400 bytes)");
    assertRefused(() -> spark().read().format("memmap").option("dtype", "<f4").option("shape", "11,11").load(plain),
        plain + ": shape (11, 11) of dtype <f4 needs 484 bytes after offset 0, but the file has only 400");
  }

  /** Asserts that {@code load} fails as it is planned, with a message that holds {@code expected}. */
  private static void assertRefused(Executable load, String expected) {
    Exception e = assertThrows(Exception.class, load);
    assertTrue(e.getMessage().contains(expected), "'" + expected + "' not in: " + e.getMessage());
  }

  private static SparkSession spark() {
    return SparkTestSession.get();
  }

  private static String path(String name) {
    return dir.resolve(name).toString();
  }
}
