package io.sparkmemmap.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.it.harness.ChildJvm;
import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.SparkSubmitRun;
import io.sparkmemmap.it.jobs.StreamingSinkJob;
import io.sparkmemmap.write.CommitPoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Exactly once across driver restarts: a streaming query's driver (a {@code SparkSubmit} JVM on {@code local[2]})
 * is halted, as a killed driver dies, right after each step of a sink commit in turn, and restarted from its
 * checkpoint each time. After every crash NumPy finds whole micro-batches; after the last run, every input row
 * exactly once, in order.
 *
 * <p>One input file per micro-batch. Each run halts at a later epoch than the one before, so that every restart
 * both recovers from the step it was halted at (the micro-batch it replays) and commits new micro-batches.
 */
class StreamingSinkRestartTest {
  private static final int FILES = 7;
  private static final long ROWS_PER_FILE = 500;
  private static final Duration LIMIT = Duration.ofMinutes(2);

  @ParameterizedTest(name = "singleFile={0}")
  @ValueSource(booleans = {true, false})
  @Timeout(value = 10, unit = TimeUnit.MINUTES)
  void driverHaltedAfterEachCommitStepLosesAndRepeatsNothing(boolean singleFile) throws Exception {
    Path dir = ItEnvironment.workDir("streaming-sink-restart-" + (singleFile ? "single-file" : "directory"));
    Path input = Files.createDirectories(dir.resolve("input"));
    long now = System.currentTimeMillis();
    for (int file = 0; file < FILES; file++) {
      Path written = input.resolve(".input-" + file);
      Files.writeString(written, LongStream.range(file * ROWS_PER_FILE, (file + 1) * ROWS_PER_FILE)
          .mapToObj(Long::toString).collect(Collectors.joining("\n", "", "\n")));
      // the file source reads the oldest first
      Files.setLastModifiedTime(written, FileTime.fromMillis(now - 60_000 + file * 1000L));
      Files.move(written, input.resolve("input-" + file + ".txt"));
    }
    Path output = dir.resolve(singleFile ? "out.npy" : "out");
    List<String> steps = singleFile
        ? List.of(CommitPoints.DATA_WRITTEN, CommitPoints.RECORD_WRITTEN, CommitPoints.HEADER_WRITTEN)
        : List.of(CommitPoints.PARTS_PUBLISHED, CommitPoints.LOG_WRITTEN);

    for (int i = 0; i < steps.size(); i++) {
      long epoch = 2L * i + 1;
      String haltAfter = steps.get(i) + "@" + epoch;
      ChildJvm halted = submit(dir, input, output, singleFile, "run-" + i + "-" + steps.get(i))
          .driverJvmOption("-D" + CommitPoints.HALT_AFTER + "=" + haltAfter)
          .runToStatus(LIMIT, CommitPoints.HALT_STATUS);
      assertTrue(halted.logText().contains("halting the JVM after step " + steps.get(i) + " of epoch " + epoch),
          halted.describeLog());
      // whole micro-batches: those before the halted one, and the halted one once its header or log entry is in
      boolean visible = CommitPoints.HEADER_WRITTEN.equals(steps.get(i)) || CommitPoints.LOG_WRITTEN.equals(
          steps.get(i));
      long batches = visible ? epoch + 1 : epoch;
      assertEquals(rows(batches * ROWS_PER_FILE), numpyRead(output, singleFile),
          "what NumPy finds after the driver was halted after " + haltAfter);
    }
    submit(dir, input, output, singleFile, "run-last").runSuccessfully(LIMIT);

    assertEquals(rows(FILES * ROWS_PER_FILE), numpyRead(output, singleFile));
    if (!singleFile) {
      assertEquals(committedParts(output), allParts(output), "no part outside the commit log is left");
    }
  }

  private static SparkSubmitRun submit(Path dir, Path input, Path output, boolean singleFile, String run)
      throws Exception {
    return SparkSubmitRun.named("streaming-sink-" + run, Files.createDirectories(dir.resolve(run)))
        .master("local[2]")
        .jars(ItEnvironment.connectorShadedJar())
        .shortJob()
        .application(ItEnvironment.jobsJar(), StreamingSinkJob.class.getName(), input.toString(),
            output.toString(), dir.resolve("checkpoint").toString(), Boolean.toString(singleFile));
  }

  /**
   * What NumPy reads: the single file, or the parts the directory's commit log lists (as a NumPy user honours it),
   * each a whole {@code .npy}, concatenated in log order.
   */
  private static List<Long> numpyRead(Path output, boolean singleFile) {
    String script = singleFile
        ? "import os\na = np.load(" + Python.literal(output) + ", mmap_mode='r') if os.path.exists("
            + Python.literal(output) + ") else np.zeros(0, '<i8')\n"
        : committedPartsScript(output) + "a = np.concatenate([np.zeros(0, '<i8')] + [np.load(os.path.join(d, f)) "
            + "for f in files])\n";
    String printed = Python.run(script + "assert a.dtype == np.dtype('<i8'), a.dtype\n"
        + "print(' '.join(map(str, a.tolist())))").strip();
    return printed.isEmpty() ? List.of() : List.of(printed.split(" ")).stream().map(Long::valueOf).toList();
  }

  /**
   * A script that sets {@code files}: the names the commit log lists, in epoch order, from its latest compact entry
   * ({@code <epoch>.compact}, which lists every file up to it) on.
   */
  private static String committedPartsScript(Path output) {
    return String.join("\n",
        "import os",
        "d = " + Python.literal(output),
        "log = os.path.join(d, '_memmap_metadata')",
        "names = {int(n.split('.')[0]): n for n in os.listdir(log) if n.split('.')[0].isdigit()} "
            + "if os.path.isdir(log) else {}",
        "epochs = sorted(names)",
        "compact = [i for i, e in enumerate(epochs) if names[e].endswith('.compact')]",
        "files = []",
        "for e in epochs[compact[-1] if compact else 0:]:",
        "    lines = open(os.path.join(log, names[e])).read().split('\\n')",
        "    assert lines[0] == 'v1' and lines[1].startswith('query '), lines",
        "    files += [l for l in lines[2:] if l]",
        "");
  }

  private static String committedParts(Path output) {
    return Python.run(committedPartsScript(output) + "print(' '.join(files))").strip();
  }

  private static String allParts(Path output) {
    return Python.run("import os\nprint(' '.join(sorted(n for n in os.listdir(" + Python.literal(output)
        + ") if n.endswith('.npy'))))").strip();
  }

  private static List<Long> rows(long count) {
    return LongStream.range(0, count).boxed().toList();
  }
}
