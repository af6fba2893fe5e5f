package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkmemmap.NpyProducer;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.read.SinkCommitLog;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A source and a sink of this connector in one query: {@code .npy} arrays in, a per-row feature out. A NumPy
 * process ({@code npy_producer.py} of the source tests) grows an array in place and adds another while the query
 * runs with a processing-time trigger; the query is then stopped, more rows are appended, and the query restarted
 * from its checkpoint with {@code Trigger.AvailableNow} reads the rest. NumPy finds every input row in the sink
 * exactly once, in order per input file, with its feature.
 */
class StreamSourceToSinkTest {
  private static final int COLS = 4;

  @TempDir
  Path dir;

  @ParameterizedTest(name = "singleFile={0}")
  @ValueSource(booleans = {false, true})
  void numpyFindsEveryRowOfGrowingArraysExactlyOnceInTheSink(boolean singleFile) throws Exception {
    Path in = Files.createDirectories(dir.resolve("in"));
    Path out = dir.resolve(singleFile ? "features.npy" : "features");
    produce("create('in/a.npy', 1, 30, cols=4)");
    // the feature: each row's first value (which says where the row came from) and the sum of its values
    Dataset<Row> features = SparkTestSession.get().readStream().format("npy").option("maxRowsPerTrigger", "60")
        .load(in.toString())
        .selectExpr("value[0] AS first", "aggregate(value, 0L, (total, v) -> total + v) AS total");

    StreamingQuery live = start(features, out, singleFile, Trigger.ProcessingTime(100));
    try {
      produce(
          "import time",
          "for step in range(20):",
          "    append('in/a.npy', 1, 9)",
          "    if step == 7:",
          "        create('in/b.npy', 2, 11, cols=4)",
          "    if step > 7:",
          "        append('in/b.npy', 2, 3)",
          "    time.sleep(0.02)");
      live.processAllAvailable();
    } finally {
      live.stop();
    }
    produce("append('in/a.npy', 1, 40)", "append('in/b.npy', 2, 5)", "create('in/c.npy', 3, 7, cols=4)");
    start(features, out, singleFile, Trigger.AvailableNow()).awaitTermination();

    // a: 30 + 20 * 9 + 40 rows; b: 11 + 12 * 3 + 5; c: 7
    assertEquals("{'1': 250, '2': 52, '3': 7}", NpyProducer.run(dir,
        NumpyChecks.CHECK,
        singleFile ? "sink = check('features.npy')" : committedParts("features"),
        "assert sink.shape[1] == 2 and sink.dtype == np.dtype('<i8'), (sink.dtype, sink.shape)",
        "first, total = sink[:, 0], sink[:, 1]",
        "assert (total == " + COLS + " * first + 6).all(), 'a feature differs from its row'",
        "counts = {}",
        "for ident, path in ((1, 'in/a.npy'), (2, 'in/b.npy'), (3, 'in/c.npy')):",
        "    source = np.load(path)",
        "    arrived = first[first // 10**9 == ident]",
        "    assert (arrived == source[:, 0]).all(), (path, 'rows not each once, in order', arrived[:20])",
        "    counts[str(ident)] = len(arrived)",
        "assert sum(counts.values()) == len(sink), 'rows of no input'",
        "print(dict(sorted(counts.items())))").strip());
  }

  /** NumPy's view of a sink directory: the parts its commit log lists, in name order, each as {@code np.save} writes it. */
  private static String committedParts(String sinkDir) {
    return String.join("\n",
        "import os",
        "log = os.path.join('" + sinkDir + "', '" + SinkCommitLog.DIRECTORY + "')",
        "listed = set()",
        "for entry in os.listdir(log):",
        "    lines = open(os.path.join(log, entry)).read().splitlines()",
        "    assert lines[0] == 'v1', entry",
        "    listed.update(lines[2:])",
        "ps = parts('" + sinkDir + "')",
        "assert sorted(os.path.basename(p) for p in ps) == sorted(listed), 'parts and the log disagree'",
        "sink = np.concatenate([check(p) for p in ps])");
  }

  private StreamingQuery start(Dataset<Row> features, Path out, boolean singleFile, Trigger trigger)
      throws Exception {
    return features.writeStream().format("npy").option("singleFile", Boolean.toString(singleFile))
        .option("layout", "columns").option("checkpointLocation", dir.resolve("checkpoint").toString())
        .trigger(trigger).start(out.toString());
  }

  private void produce(String... calls) {
    NpyProducer.run(dir, calls);
  }
}
