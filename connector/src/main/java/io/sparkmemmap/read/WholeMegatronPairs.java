package io.sparkmemmap.read;

import io.sparkmemmap.format.megatron.MegatronPair;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.connector.read.Scan;

/**
 * Tells whether a scan reads whole Megatron pairs, every sequence of each in order, so that writing what it reads
 * into one pair is a merge of the pairs ({@code io.sparkmemmap.write.MegatronMerge}), which copies their bytes.
 */
public final class WholeMegatronPairs {
  private WholeMegatronPairs() {}

  /**
   * The pairs {@code scan} reads, in read order, when it is a scan of rows of {@code input} that reads every
   * sequence of Megatron pairs: no {@code _row_index} predicate, LIMIT or OFFSET pushed, no aggregate.
   */
  public static Optional<List<MegatronPair>> of(ArrayInput input, Scan scan) {
    if (!(input instanceof RecordDataset dataset && scan instanceof RecordScan rows)) {
      return Optional.empty();
    }
    List<MegatronPair> pairs = new ArrayList<>();
    long sequences = 0;
    for (RecordIndex index : dataset.indexes()) {
      if (!(index instanceof MegatronRecordIndex megatron)) {
        return Optional.empty();
      }
      pairs.add(megatron.pair());
      sequences += megatron.recordCount();
    }
    return rows.selection.rowCount() == sequences ? Optional.of(pairs) : Optional.empty();
  }
}
