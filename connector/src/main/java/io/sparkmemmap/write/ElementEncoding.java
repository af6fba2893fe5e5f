package io.sparkmemmap.write;

import io.sparkmemmap.format.DType;
import java.io.Serializable;

/**
 * How each element of a variable-length record becomes bytes, sent to the tasks of a records write
 * ({@link RecordDataWriter}): the plan of a one-column {@code npy} write for ragged arrays ({@link OutputPlan}),
 * token ids for Megatron ({@link ElementEncoder.Tokens}). Each task makes its own encoder.
 */
interface ElementEncoding extends Serializable {
  ValueEncoder valueEncoder();

  /** The NumPy type of one element, which the published data's header names. */
  DType elementDType();
}
