package io.sparkmemmap.write;

import io.sparkmemmap.format.megatron.MegatronDType;
import java.io.Serializable;
import org.apache.hadoop.fs.Path;

/**
 * Where a Megatron write publishes, decided on the driver before tasks run.
 *
 * @param prefix the qualified prefix: the output is {@code prefix.bin} and {@code prefix.idx}
 * @param appendTo whether an existing pair is appended to
 * @param dtype the token type written
 * @param dtypeGiven whether option {@code dtype} chose the dtype (else it was inferred)
 * @param staging the job's hidden staging directory, a sibling of the pair so that renames stay on one volume
 */
record MegatronTarget(Path prefix, WriteMode mode, boolean appendTo, MegatronDType dtype, boolean dtypeGiven,
    Path staging)
    implements Serializable {
  Path bin() {
    return new Path(prefix.getParent(), prefix.getName() + ".bin");
  }

  Path idx() {
    return new Path(prefix.getParent(), prefix.getName() + ".idx");
  }
}
