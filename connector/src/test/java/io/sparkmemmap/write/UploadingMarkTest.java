package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The handshake that keeps a job's end from aborting uploads while a task puts a part, on a journal in a real
 * (local) Hadoop file system: the job's end waits for the tasks' marks, a task that comes after the job's end puts
 * nothing, and a task whose mark the job's end gave up on learns it.
 */
class UploadingMarkTest {
  private final Configuration conf = new Configuration();
  private Path journal;
  private final Path dst = new Path("file:///nowhere/out.npy");

  @BeforeEach
  void openJournal(@TempDir java.nio.file.Path dir) throws IOException {
    journal = new Path(dir.resolve("uploads").toUri());
    PartUploads.openJournal(journal, conf);
  }

  @Test
  void theJobsEndWaitsForATaskPuttingParts() throws Exception {
    UploadingMark mark = UploadingMark.enter(journal, dst, conf);
    mark.checkJobOpen();
    CompletableFuture<Void> jobEnd = CompletableFuture.runAsync(() -> {
      try {
        PartUploads.abortUnpublished(journal, List.of(), conf);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    // the job's end cannot return while the mark is there, however long this waits
    assertThrows(TimeoutException.class, () -> jobEnd.get(300, TimeUnit.MILLISECONDS));
    IOException ended = assertThrows(IOException.class, mark::checkJobOpen, "the next part is not put");
    assertTrue(ended.getMessage().contains(dst.toString()), ended.getMessage());
    assertTrue(mark.leave(), "the job's end waited for this task");
    jobEnd.get(60, TimeUnit.SECONDS);
    assertEquals(List.of(), files(), "the journal's marks once the job ended");
  }

  @Test
  void aTaskAfterTheJobsEndPutsNothingAndLeavesNoMark() throws Exception {
    PartUploads.abortUnpublished(journal, List.of(), conf);
    IOException ended = assertThrows(IOException.class, () -> UploadingMark.enter(journal, dst, conf));
    assertTrue(ended.getMessage().contains("ended") && ended.getMessage().contains(dst.toString()),
        ended.getMessage());
    assertEquals(List.of(), files(), "the journal after the late task");
  }

  @Test
  void aTaskTheJobsEndGaveUpOnLearnsIt() throws Exception {
    UploadingMark lost = UploadingMark.enter(journal, dst, conf);
    FileSystem fs = FileSystem.get(journal.toUri(), conf);
    fs.delete(new Path(journal, "_open"), false); // the job's end, as abortUnpublished begins it
    UploadingMark.awaitNone(journal, conf, 0);
    assertEquals(List.of(), files(), "the marks the job's end gave up on are removed");
    assertFalse(lost.leave(), "the task whose mark was removed must abort what it put itself");
    assertFalse(lost.leave(), "asked again");
  }

  /** A mark gone while the job is open was the task's own (its delete, cut short by an interrupt, retried). */
  @Test
  void aMarkGoneWhileTheJobIsOpenWasTheTasksOwn() throws Exception {
    UploadingMark mark = UploadingMark.enter(journal, dst, conf);
    for (FileStatus status : FileSystem.get(journal.toUri(), conf).listStatus(journal)) {
      if (UploadingMark.isMark(status.getPath().getName())) {
        FileSystem.get(journal.toUri(), conf).delete(status.getPath(), false);
      }
    }
    assertTrue(mark.leave(), "the job's end did not give up on this task: its upload must not be aborted");
  }

  private List<String> files() throws IOException {
    List<String> names = new ArrayList<>();
    for (FileStatus status : FileSystem.get(journal.toUri(), conf).listStatus(journal)) {
      if (!status.getPath().getName().startsWith(".")) {
        names.add(status.getPath().getName());
      }
    }
    names.sort(null);
    return names;
  }
}
