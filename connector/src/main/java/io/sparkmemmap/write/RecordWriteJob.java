package io.sparkmemmap.write;

import java.io.Serializable;

/**
 * What every task of a write of variable-length records needs, whichever format publishes them: which column holds
 * the records, how each element becomes bytes, what else is kept per record, and where to stage. Each record is the
 * elements of one array value, written back to back.
 *
 * @param path the target as the user gave it, which the errors of tasks name
 * @param element how one element is written: a plan of a single scalar column (ragged), or token ids (Megatron)
 * @param ordinal the position of the records' array column in the rows
 * @param column the name of that column, for messages
 * @param stagingDir URI of the job's staging directory; task files go to its {@link WriteJob#ATTEMPTS} subdirectory
 * @param localTarget whether the target is on the local file system, so tasks write straight into staging
 * @param marks the document starts and modes a Megatron write keeps per record; null when nothing more is kept
 */
record RecordWriteJob(String path, ElementEncoding element, int ordinal, String column, String queryId,
    String stagingDir, boolean localTarget, HadoopConf hadoopConf, SequenceMarks marks) implements Serializable {}
