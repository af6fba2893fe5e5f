package io.sparkmemmap;

/**
 * The {@code megatron} data source: Megatron-LM indexed datasets ({@code prefix.bin} + {@code prefix.idx}), one or
 * many prefixes read as one dataset of sequences, and written as one pair from a distributed job.
 */
public class MegatronDataSource extends ArrayDataSource {
  public MegatronDataSource() {
    super(ArrayFormat.MEGATRON);
  }
}
