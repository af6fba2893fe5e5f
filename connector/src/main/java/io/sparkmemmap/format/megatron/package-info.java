/**
 * Megatron-LM indexed datasets (issue 15), free of Spark: the {@code .idx} file that describes a {@code .bin} file of
 * tokens, read a slice at a time and validated in bounded chunks ({@link io.sparkmemmap.format.megatron.MegatronIndex})
 * and written as Megatron's {@code _IndexWriter} writes it
 * ({@link io.sparkmemmap.format.megatron.MegatronIndexWriter}).
 */
package io.sparkmemmap.format.megatron;
