package io.sparkmemmap.write;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.Shape;
import io.sparkmemmap.read.PathOptions;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.fs.Path;

/**
 * A streaming sink that appends each micro-batch's rows in place to one local {@code .npy}, exactly once, with the
 * record of the last committed epoch beside it ({@link EpochRecord}). The header's row count is what NumPy sees:
 * it only ever grows by whole micro-batches, and always after the rows it takes in are on disk.
 *
 * <p>Commit of epoch {@code e} with {@code n} rows, the array holding {@code h} rows by its header and the record
 * saying {@code (epoch r, rows R)}:
 *
 * <ol>
 *   <li>Recover: if {@code h < R}, an earlier commit wrote its rows and its record but not its header. Its rows
 *       are on disk (written and forced before the record), so the header is rewritten for {@code R} rows.
 *   <li>If {@code e <= r}, the micro-batch is a replay of one already in the file: nothing more is done.
 *   <li>Data: the {@code n} rows go after the last row the header covers, overwriting whatever an earlier attempt
 *       left past it, and are forced to disk ({@link InPlaceAppend#appendData}).
 *   <li>Record: {@code (e, h + n)} replaces the old record by an atomic rename, forced.
 *   <li>Header: rewritten for {@code h + n} rows in place, within the first page, forced
 *       ({@link InPlaceAppend#commitHeader}).
 * </ol>
 *
 * A crash before the record leaves the header and the record as they were: NumPy reads the old rows (bytes past
 * the header's shape are never read), and the replayed micro-batch writes its rows again over the same bytes. A
 * crash after the record leaves the old rows visible until the restart, whose first commit (the replay of
 * {@code e}, or any later epoch) completes the header from the record, and a replay of {@code e} then adds
 * nothing. At every point the header covers whole micro-batches. A missing file is first published as an empty
 * array (header only, by a rename), then grown like any other, so that the record never names rows of a file that
 * is not there.
 */
final class SingleFileSink extends StreamingOutput {
  SingleFileSink(WriteJob job, OutputTarget target, OutputFiles files) {
    super(job, target, files);
  }

  @Override
  void commit(long epoch, StagedPart[] committed) throws IOException {
    Publisher publisher = new Publisher(job, target, files, null, null);
    List<StagedPart> parts = Publisher.withRows(committed);
    long[] lengths = publisher.agreedLengths(parts);
    DType dtype = job.plan().dtype(lengths);
    Shape rowShape = job.plan().rowShape(lengths);
    int rowBytes = job.plan().rowBytes(lengths);
    long rows = parts.stream().mapToLong(StagedPart::rows).sum();

    Path file = target.path();
    Path recordPath = EpochRecord.of(file);
    Optional<EpochRecord> record = EpochRecord.read(recordPath);
    if (record.isPresent()) {
      record.get().checkWrittenBy(job.queryId(), file);
    }
    if (files.state(file) == OutputFiles.PathState.MISSING) {
      if (record.isPresent()) {
        throw new IllegalStateException(PathOptions.about(job.path(), "the file is missing, but " + recordPath
            + " records that epoch " + record.get().epoch() + " left it with " + record.get().rows() + " rows; "
            + "to start a new array, remove the record as well"));
      }
      if (rows == 0) {
        return; // nothing to write, and no dtype to give an empty array when array lengths are still unknown
      }
      Path empty = Publisher.assembledFile(job, target);
      files.assemble(empty, publisher.header(dtype, rowShape, 0), List.of());
      files.rename(empty, file);
    }
    long visible = completeHeader(file, record);
    if ((record.isPresent() && epoch <= record.get().epoch()) || rows == 0) {
      return;
    }
    try (InPlaceAppend append = InPlaceAppend.open(file, true, dtype, rowShape, rows)
        .orElseThrow(() -> noRoomToGrow(file))) {
      append.appendData(Publisher.rowsOf(parts, rowBytes));
      CommitPoints.passed(CommitPoints.DATA_WRITTEN, epoch);
      new EpochRecord(job.queryId(), epoch, visible + rows).write(recordPath);
      CommitPoints.passed(CommitPoints.RECORD_WRITTEN, epoch);
      append.commitHeader();
      CommitPoints.passed(CommitPoints.HEADER_WRITTEN, epoch);
    }
  }

  /**
   * Step 1: the header made to cover the rows the record says are committed, when a crash came between the record
   * and the header; by the file's own dtype and row shape, as a micro-batch without rows has no row shape of its
   * own. Returns the rows the header covers.
   */
  private long completeHeader(Path file, Optional<EpochRecord> record) throws IOException {
    NpyHeader header = files.readHeader(file);
    long visible = header.shape().dim(0);
    if (record.isEmpty() || record.get().rows() <= visible) {
      return visible;
    }
    long committedRows = record.get().rows();
    Shape rowShape = header.shape().trailing();
    long needed = header.dataOffset() + Math.multiplyExact(committedRows,
        rowShape.byteCount(header.dtype().itemSize()));
    if (files.length(file) < needed) {
      throw new IllegalStateException(PathOptions.about(job.path(), "the record " + EpochRecord.of(file).getName()
          + " says epoch " + record.get().epoch() + " left " + committedRows + " rows, but the file holds only "
          + files.length(file) + " bytes of the " + needed + " they take: it was cut or replaced outside the "
          + "streaming query"));
    }
    try (InPlaceAppend append = InPlaceAppend.open(file, true, header.dtype(), rowShape, committedRows - visible)
        .orElseThrow(() -> noRoomToGrow(file))) {
      append.commitHeader();
    }
    return committedRows;
  }

  private IllegalArgumentException noRoomToGrow(Path file) {
    return new IllegalArgumentException(PathOptions.about(job.path(), "a streaming query grows " + file + " in "
        + "place, but its header has no room for a longer shape (NumPy before 1.24 wrote headers without it): "
        + "save it again with a recent NumPy, or let the query create the file"));
  }
}
