package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkmemmap.Python;
import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.SparkSubmitRun;
import io.sparkmemmap.it.jobs.SqlOnPathsJob;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * SQL on paths in an application that has only the connector's shaded jar added ({@code --jars}) and sets no
 * configuration: a temporary view, a catalog table, a direct path query with a row range, and an insert into a path.
 * NumPy makes the inputs, computes the expected answers and reads what the insert wrote.
 */
class SqlOnPathsSubmitTest {
  private static final int ROWS = 3000;

  @Test
  void everySqlFormWorksInAFreshApplication() throws Exception {
    Path dir = ItEnvironment.workDir("submit-sql-on-paths");
    Path data = Files.createDirectories(dir.resolve("data"));
    String[] expected = Python.run("d = " + Python.literal(data) + " + '/'\n"
        + "import os\n"
        + "emb = (np.arange(50 * 4, dtype='<f4') / 8).reshape(50, 4); np.save(d + 'emb.npy', emb)\n"
        + "v = np.arange(" + ROWS + ", dtype='<f8') * 0.5; np.save(d + 'v.npy', v)\n"
        + "os.makedirs(d + 'ts', exist_ok=True)\n"
        + "t = np.zeros(7, [('t', '<M8[s]'), ('x', '<f8')]); t['t'] = np.arange(7) * 60; t['x'] = np.arange(7) ** 2\n"
        + "np.save(d + 'ts/part-00000.npy', t[:3]); np.save(d + 'ts/part-00001.npy', t[3:])\n"
        + "print(repr(float(emb[:, 1].astype('f8').sum())), repr(float(t['x'].sum())),"
        + " repr(float(v[1000:2000].mean())))\n").trim().split(" ");

    SparkSubmitRun.named("sql-on-paths", dir)
        .master("local[2]")
        .jars(ItEnvironment.connectorShadedJar())
        .shortJob()
        .application(ItEnvironment.jobsJar(), SqlOnPathsJob.class.getName(), data.toString(),
            dir.resolve("result.properties").toString())
        .runSuccessfully(Duration.ofMinutes(3));

    Properties result = new Properties();
    try (Reader in = Files.newBufferedReader(dir.resolve("result.properties"))) {
      result.load(in);
    }
    assertAll(
        () -> assertEquals("false", result.getProperty("catalogConfiguredBefore"), "nothing configured"),
        () -> assertEquals("50", result.getProperty("emb.count")),
        () -> assertEquals(Double.parseDouble(expected[0]), Double.parseDouble(result.getProperty("emb.sum1"))),
        () -> assertEquals("7", result.getProperty("ts.count")),
        () -> assertEquals(Double.parseDouble(expected[1]), Double.parseDouble(result.getProperty("ts.sum"))),
        () -> assertEquals("1000", result.getProperty("range.count")),
        () -> assertEquals(Double.parseDouble(expected[2]), Double.parseDouble(result.getProperty("range.avg"))),
        () -> assertEquals("10", result.getProperty("parts.count")));
    Python.run("import glob\n"
        + "parts = sorted(glob.glob(" + Python.literal(data.resolve("out/parts")) + " + '/*.npy'))\n"
        + "a = np.concatenate([np.load(f) for f in parts])\n"
        + "assert a.dtype == np.dtype('<i8'), a.dtype\n"
        + "assert sorted(a.tolist()) == [0, 1, 2, 3, 4, 1497, 1498, 1498, 1499, 1499], a\n");
  }
}
