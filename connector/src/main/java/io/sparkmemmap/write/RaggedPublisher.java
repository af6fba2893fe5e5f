package io.sparkmemmap.write;

import io.sparkmemmap.format.DType;
import io.sparkmemmap.format.NpyHeader;
import io.sparkmemmap.format.Shape;
import io.sparkmemmap.format.ragged.RaggedData;
import io.sparkmemmap.format.ragged.RaggedIndex;
import io.sparkmemmap.write.OutputFiles.PathState;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.fs.Path;

/**
 * Job commit of a ragged array: the committed tasks' parts, in partition order, become one {@code data.npy} and
 * one {@code index.npy}. Each task's index starts from its own first element, so parts after the first are shifted
 * by the elements before them, on the executors ({@link IndexRebase}); then both files are assembled as a single
 * {@code npy} file is (a header, then the parts: kernel-side copies locally, joined by the namenode on HDFS).
 *
 * <ul>
 *   <li>A new pair is assembled in {@code staging/out} and that directory is renamed to the target, over an old one
 *       moved aside for overwrite ({@link Publisher#publishReplacing}): it appears whole or not at all.
 *   <li>An append grows {@code data.npy}, then {@code index.npy}, each as an append to a single {@code npy} file
 *       does ({@link Publisher#appendToFile}: in place, the header last, or rewritten and renamed over the old).
 *       Until the index grows, it describes exactly the old rows, whose elements have not moved: a crash between
 *       the two leaves the old ragged array, with unused elements at the end of the data.
 * </ul>
 */
final class RaggedPublisher {
  private final RecordWriteJob job;
  private final OutputTarget target;
  private final OutputFiles files;

  RaggedPublisher(RecordWriteJob job, OutputTarget target, OutputFiles files) {
    this.job = job;
    this.target = target;
    this.files = files;
  }

  /** Publishes the parts, one per partition (null entries are partitions that never committed). */
  void publish(RecordPart[] committed) throws IOException {
    List<RecordPart> parts = Arrays.stream(committed)
        .filter(p -> p != null && p.hasRecords())
        .sorted(Comparator.comparingInt(RecordPart::partitionId))
        .toList();
    DType dtype = job.element().elementDType();
    Path dataFile = new Path(target.path(), RaggedData.FILE_NAME);
    Path indexFile = new Path(target.path(), RaggedIndex.FILE_NAME);
    PathState state = files.state(target.path());
    boolean appending = target.mode() == WriteMode.APPEND && state == PathState.DIRECTORY;
    long base = appending ? files.readHeader(dataFile).shape().dim(0) : 0;

    List<ByteRange> elements = new ArrayList<>();
    List<IndexRebase> shifts = new ArrayList<>();
    List<Integer> shiftedParts = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      RecordPart part = parts.get(i);
      if (part.elements() > 0) {
        elements.add(new ByteRange(RecordPart.path(part.elementsFile()), 0, part.elements() * dtype.itemSize()));
      }
      if (base != 0) {
        shifts.add(new IndexRebase(part.indexFile(), part.records(), base));
        shiftedParts.add(i);
      }
      base += part.elements();
    }
    String[] indexFiles = parts.stream().map(RecordPart::indexFile).toArray(String[]::new);
    List<String> shifted = IndexRebase.run(shifts, job.hadoopConf());
    for (int k = 0; k < shifted.size(); k++) {
      indexFiles[shiftedParts.get(k)] = shifted.get(k);
    }
    List<ByteRange> pairs = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      pairs.add(new ByteRange(RecordPart.path(indexFiles[i]), 0, parts.get(i).records() * RecordDataWriter.PAIR_BYTES));
    }
    long newElements = parts.stream().mapToLong(RecordPart::elements).sum();
    long newRecords = parts.stream().mapToLong(RecordPart::records).sum();

    if (appending) {
      Publisher.appendToFile(files, dataFile, true, dtype, Shape.scalar(), newElements, elements,
          new Path(target.staging(), "assembled-" + RaggedData.FILE_NAME));
      Publisher.appendToFile(files, indexFile, true, RaggedIndex.DTYPE, Shape.of(2), newRecords, pairs,
          new Path(target.staging(), "assembled-" + RaggedIndex.FILE_NAME));
      return;
    }
    Path out = new Path(target.staging(), "out");
    files.mkdirs(out);
    files.assembleParts(new Path(out, RaggedData.FILE_NAME), NpyHeader.encode(dtype, false, Shape.of(newElements)),
        elements);
    files.assembleParts(new Path(out, RaggedIndex.FILE_NAME), RaggedIndex.pairsHeader(newRecords), pairs);
    Publisher.publishReplacing(files, target, out, state);
  }
}
