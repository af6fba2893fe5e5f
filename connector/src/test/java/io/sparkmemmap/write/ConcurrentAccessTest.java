package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.sparkmemmap.Python;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.LongStream;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fault table's rows about concurrency, through one local Spark session: readers of a single {@code .npy}
 * that another job appends to, and jobs writing side by side in one directory.
 */
class ConcurrentAccessTest {
  /** A guard against a hang, not a measure: nothing here should take a fraction of it. */
  private static final long GIVE_UP_MINUTES = 5;

  private static SparkSession spark;

  @TempDir
  Path dir;

  @BeforeAll
  static void session() {
    spark = SparkTestSession.get();
  }

  private static Dataset<Row> longs(long from, long to) {
    return spark.range(from, to, 1, 2).toDF("value");
  }

  @Nested
  @DisplayName("a single-file append while readers read: readers see the old shape or the new one, never garbage")
  class AppendWhileReading {
    private static final int APPENDS = 3;
    private static final long ROWS_PER_APPEND = 5000;
    private static final int SPARK_READERS = 2;

    /**
     * One job appends to a file again and again while Spark readers (aggregates computed in the scan, and rows
     * read one by one) and a NumPy reader read it in a loop. Every read sees one of the shapes written, and
     * values that are exactly the row indices. Each append waits until every Spark reader has finished a read
     * started after the one before, so that the readers run throughout and each sees every shape.
     */
    @Test
    void everyReadSeesAWholeArray() throws Exception {
      Path file = dir.resolve("grows.npy");
      Path done = dir.resolve("appends-done");
      Python.run("np.save(" + Python.literal(file) + ", np.arange(" + ROWS_PER_APPEND + ", dtype='<i8'))");
      Set<Long> shapes = new TreeSet<>();
      for (long k = 1; k <= APPENDS + 1; k++) {
        shapes.add(k * ROWS_PER_APPEND);
      }
      AtomicIntegerArray appendsSeen = new AtomicIntegerArray(SPARK_READERS);
      AtomicInteger appended = new AtomicInteger();
      AtomicBoolean finished = new AtomicBoolean();
      ExecutorService pool = Executors.newFixedThreadPool(SPARK_READERS);
      try {
        CompletableFuture<String> numpy = CompletableFuture.supplyAsync(() -> Python.run(String.join("\n",
            "import os, time",
            "f, done = " + Python.literal(file) + ", " + Python.literal(done),
            "shapes = {" + String.join(", ", shapes.stream().map(String::valueOf).toList()) + "}",
            "reads = 0",
            "while True:",
            "    last = os.path.exists(done)",
            "    a = np.load(f, mmap_mode='r')",
            "    assert a.shape[0] in shapes, 'numpy read shape %s' % (a.shape,)",
            "    assert (a == np.arange(a.shape[0])).all(), 'numpy read other values'",
            "    reads += 1",
            "    if last: break",
            "    time.sleep(0.02)  # leaves the cores to Spark",
            "print(reads)")));
        List<Future<Set<Long>>> readers = new ArrayList<>();
        for (int r = 0; r < SPARK_READERS; r++) {
          int reader = r;
          readers.add(pool.submit(readLoop(file, shapes, appended, finished, appendsSeen, reader)));
        }
        for (int k = 1; k <= APPENDS; k++) {
          longs(k * ROWS_PER_APPEND, (k + 1) * ROWS_PER_APPEND).write().format("npy").mode("append")
              .option("singleFile", "true").save(file.toString());
          appended.set(k);
          awaitReadsAfter(k, appendsSeen);
        }
        finished.set(true);
        Files.createFile(done);
        for (Future<Set<Long>> reader : readers) {
          assertEquals(shapes, reader.get(GIVE_UP_MINUTES, TimeUnit.MINUTES), "each reader saw every shape");
        }
        assertTrue(Integer.parseInt(numpy.get(GIVE_UP_MINUTES, TimeUnit.MINUTES).strip()) >= 1);
      } finally {
        finished.set(true);
        pool.shutdownNow();
      }
      Map<String, Object> result = NumpyChecks.singleFile(file);
      assertEquals(SparkValues.canonical((Object) LongStream.range(0, (APPENDS + 1) * ROWS_PER_APPEND).boxed()
          .toList()), result.get("values"));
    }

    /**
     * Reads until the appends are finished (and once more), checking every read; returns the row counts seen.
     * {@code appendsSeen[reader]} is the number of appends done before the last read that finished started.
     */
    private Callable<Set<Long>> readLoop(Path file, Set<Long> shapes, AtomicInteger appended, AtomicBoolean finished,
        AtomicIntegerArray appendsSeen, int reader) {
      return () -> {
        Set<Long> seen = new TreeSet<>();
        boolean last = false;
        while (!last) {
          last = finished.get();
          int before = appended.get();
          Dataset<Row> df = spark.read().format("npy").load(file.toString());
          // computed inside the scan, from the rows planned
          Row totals = df.selectExpr("count(*)", "sum(value)", "min(value)", "max(value)").first();
          long n = totals.getLong(0);
          assertTrue(shapes.contains(n), "read " + n + " rows; the shapes written are " + shapes);
          assertEquals(n * (n - 1) / 2, totals.getLong(1), "sum of " + n + " rows");
          assertEquals(0L, totals.getLong(2));
          assertEquals(n - 1, totals.getLong(3));
          // every row, read and compared with its index
          Row rows = df.selectExpr("count(*)", "count_if(value != _row_index)").first();
          assertTrue(shapes.contains(rows.getLong(0)), "read " + rows.getLong(0) + " rows");
          assertEquals(0L, rows.getLong(1), "rows whose value is not their index");
          seen.add(n);
          seen.add(rows.getLong(0));
          appendsSeen.set(reader, before);
        }
        return seen;
      };
    }

    private void awaitReadsAfter(int append, AtomicIntegerArray appendsSeen) throws InterruptedException {
      long giveUp = System.nanoTime() + TimeUnit.MINUTES.toNanos(GIVE_UP_MINUTES);
      for (int r = 0; r < appendsSeen.length(); r++) {
        while (appendsSeen.get(r) < append) {
          if (System.nanoTime() > giveUp) {
            fail("reader " + r + " finished no read after append " + append);
          }
          Thread.sleep(10);
        }
      }
    }
  }

  @Nested
  @DisplayName("concurrent jobs writing different targets in one directory: independent and correct")
  class SideBySideJobs {
    /**
     * Four jobs start together, each writing a different target in one directory, each in its own way (a new
     * directory, a new single file, an overwrite of a directory, an append to a single file), each with its own
     * values. Every output holds exactly its own rows, and nothing else is left in the directory.
     */
    @Test
    void jobsInOneDirectoryDoNotMeet() throws Exception {
      Path shared = dir.resolve("shared");
      longs(0, 10).write().format("npy").save(shared.resolve("c").toString());
      Python.run("np.save(" + Python.literal(shared.resolve("d.npy")) + ", np.arange(4_000_000, 4_000_100))");
      long rows = 20_000;
      List<Callable<Void>> jobs = List.of(
          job(() -> longs(1_000_000, 1_000_000 + rows).write().format("npy").save(shared.resolve("a").toString())),
          job(() -> longs(2_000_000, 2_000_000 + rows).write().format("npy").option("singleFile", "true")
              .save(shared.resolve("b.npy").toString())),
          job(() -> longs(3_000_000, 3_000_000 + rows).write().format("npy").mode("overwrite")
              .save(shared.resolve("c").toString())),
          job(() -> longs(4_000_100, 4_000_100 + rows).write().format("npy").mode("append")
              .option("singleFile", "true").save(shared.resolve("d.npy").toString())));
      CyclicBarrier start = new CyclicBarrier(jobs.size());
      ExecutorService pool = Executors.newFixedThreadPool(jobs.size());
      try {
        List<Future<Void>> running = new ArrayList<>();
        for (Callable<Void> job : jobs) {
          running.add(pool.submit(() -> {
            start.await();
            return job.call();
          }));
        }
        for (Future<Void> job : running) {
          job.get(GIVE_UP_MINUTES, TimeUnit.MINUTES);
        }
      } finally {
        pool.shutdownNow();
      }
      assertEquals(range(1_000_000, rows), NumpyChecks.directory(shared.resolve("a")).get("values"));
      assertEquals(range(2_000_000, rows), NumpyChecks.singleFile(shared.resolve("b.npy")).get("values"));
      assertEquals(range(3_000_000, rows), NumpyChecks.directory(shared.resolve("c")).get("values"));
      assertEquals(range(4_000_000, rows + 100), NumpyChecks.singleFile(shared.resolve("d.npy")).get("values"));
      try (Stream<Path> left = Files.list(shared)) {
        assertEquals(List.of("a", "b.npy", "c", "d.npy"),
            left.map(p -> p.getFileName().toString()).sorted().toList(), "no staging or temporary files are left");
      }
    }

    private Callable<Void> job(Runnable write) {
      return () -> {
        write.run();
        return null;
      };
    }

    private Object range(long from, long count) {
      return SparkValues.canonical((Object) LongStream.range(from, from + count).boxed().toList());
    }
  }
}
