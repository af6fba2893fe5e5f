package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import java.nio.file.Path;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Past a threshold of files on a file system other than the local one, their headers are read by one Spark job
 * ({@link HeaderReadJob}) when the first query over the DataFrame is planned, once for every query over it: the
 * read gives the rows it gives when the driver reads them, and fails with the same error.
 */
class HeaderReadJobTest {
  @TempDir
  static Path dir;

  private HeaderJobs jobs;

  @BeforeAll
  static void writeFiles() {
    Python.run(String.join("\n",
        "import os",
        "d = " + Python.literal(dir) + " + '/'",
        "for sub in ['npy', 'npz', 'bad']: os.makedirs(d + sub)",
        "for i in range(40):",
        "    a = np.arange(i * 100, i * 100 + 3 * (i % 5 + 1), dtype='<f8').reshape(-1, 3)",
        "    np.save(d + 'npy/%02d.npy' % i, a)",
        "    np.savez(d + 'npz/%02d.npz' % i, a=a, b=a[:, 0].astype('>i2'))",
        "    if i < 12: np.save(d + 'bad/%02d.npy' % i, a)",
        "with open(d + 'bad/05.npy', 'r+b') as f: f.truncate(128 + 8)",
        "with open(d + 'bad/09.npy', 'wb') as f: f.write(b'not an array')",
        ""));
  }

  @BeforeEach
  void listen() {
    jobs = new HeaderJobs();
    SparkTestSession.get().sparkContext().addSparkListener(jobs);
  }

  @AfterEach
  void stopListening() {
    SparkTestSession.get().sparkContext().removeSparkListener(jobs);
  }

  @Test
  void pastTheThresholdOneJobReadsTheHeaders() throws TimeoutException {
    for (String[] form : new String[][] {{"npy", null}, {"npz", "b"}}) {
      String sub = form[0];
      Dataset<Row> local = reader(form[1]).load(dir.resolve(sub).toString());
      // 40 files: past spark.sql.sources.parallelPartitionDiscovery.threshold, 32 by default
      int before = jobs.count();
      Dataset<Row> byJob = reader(form[1]).load(NonLocalTestFileSystem.SCHEME + "://" + dir.resolve(sub));
      assertEquals(before, jobs.count(), "jobs at load(), which reads the first header alone");
      Row expected = fingerprint(local);
      assertTrue(expected.getLong(0) > 40, sub + ": rows " + expected);
      assertEquals(expected, fingerprint(byJob), sub + " planned by a job");
      assertEquals(expected.getLong(0), byJob.count(), sub + " counted from the headers");
      assertEquals(before + 1, jobs.count(), "jobs that read the headers of " + sub + " for two queries");
      Dataset<Row> onDriver = reader(form[1]).option("headerJobThreshold", "40")
          .load(NonLocalTestFileSystem.SCHEME + "://" + dir.resolve(sub));
      assertEquals(expected, fingerprint(onDriver), sub + " planned on the driver");
      assertEquals(before + 1, jobs.count(), "jobs that read the headers, after a read below the threshold");
    }
  }

  @Test
  void aBadHeaderFailsTheReadAsOnTheDriver() throws TimeoutException {
    String bad = NonLocalTestFileSystem.SCHEME + "://" + dir.resolve("bad");
    int before = jobs.count();
    Exception byJob = assertThrows(Exception.class,
        () -> reader(null).option("headerJobThreshold", "4").load(bad).count());
    assertEquals(before + 1, jobs.count(), "jobs that read the headers");
    Exception onDriver = assertThrows(Exception.class, () -> reader(null).load(bad).count());
    assertEquals(before + 1, jobs.count(), "jobs that read the headers, after a read below the threshold");
    assertTrue(byJob.getMessage().contains(dir.resolve("bad").resolve("05.npy").toString())
        && byJob.getMessage().contains("the data is shorter than the header says"), byJob.toString());
    assertEquals(onDriver.getClass(), byJob.getClass());
    assertEquals(onDriver.getMessage(), byJob.getMessage());
  }

  private static DataFrameReader reader(String array) {
    DataFrameReader reader = SparkTestSession.get().read().format("npy")
        .option("fs." + NonLocalTestFileSystem.SCHEME + ".impl", NonLocalTestFileSystem.class.getName())
        .option("fs." + NonLocalTestFileSystem.SCHEME + ".impl.disable.cache", "true");
    return array == null ? reader : reader.option("array", array);
  }

  /** The count of rows and the sum of their hashes, with each row's index and its file's name. */
  private static Row fingerprint(Dataset<Row> df) {
    return df.selectExpr("*", "_row_index", "regexp_extract(_file, '[^/]*$', 0) AS name")
        .selectExpr("count(*)", "sum(CAST(xxhash64(*) AS DECIMAL(20, 0)))").first();
  }

  /** The jobs that read headers, counted once the listener bus delivered every event so far. */
  private static final class HeaderJobs extends SparkListener {
    private final AtomicInteger started = new AtomicInteger();

    @Override
    public void onJobStart(SparkListenerJobStart jobStart) {
      String description = jobStart.properties().getProperty("spark.job.description");
      if (description != null && description.startsWith(HeaderReadJob.DESCRIPTION)) {
        started.incrementAndGet();
      }
    }

    int count() throws TimeoutException {
      SparkSession spark = SparkTestSession.get();
      spark.sparkContext().listenerBus().waitUntilEmpty();
      return started.get();
    }
  }
}
