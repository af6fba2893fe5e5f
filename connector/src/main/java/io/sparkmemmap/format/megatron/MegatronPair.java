package io.sparkmemmap.format.megatron;

import java.io.Serializable;

/**
 * One pair as a merge copies it whole: its files, its header as read and checked, and the bytes of the {@code .bin}
 * its sequences take (a {@code .bin} may be longer, by the tail an interrupted append left).
 *
 * @param idx the {@code .idx} file's qualified Hadoop path
 * @param bin the {@code .bin} file's qualified Hadoop path
 */
public record MegatronPair(String idx, String bin, MegatronIndex index, long binBytes) implements Serializable {}
