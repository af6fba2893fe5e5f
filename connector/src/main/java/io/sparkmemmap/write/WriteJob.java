package io.sparkmemmap.write;

import io.sparkmemmap.ArrayFormat;
import java.io.Serializable;

/**
 * What every task of a write needs: the plan of the bytes, the format, and where to stage.
 *
 * @param path the target as the user gave it, which the errors of tasks name
 * @param stagingDir URI of the job's staging directory; task files go to its {@link #ATTEMPTS} subdirectory
 * @param localTarget whether the target is on the local file system, so tasks write straight into staging
 * @param rowsOnly whether parts hold rows without a header: the parts of a single file off the local file system,
 *     which the file system may join on its side (HDFS concat) behind a header written at commit, as it cannot
 *     write a header into the first part afterwards
 * @param uploadsParts whether the target is on an object store whose outputs are published by completing multipart
 *     uploads ({@link PartUploads#apply}): tasks upload a directory's parts to their final names, and a single
 *     file's parts into one upload ({@link SingleFileUpload}), for job commit to complete, instead of staging them
 *     for renaming
 */
record WriteJob(ArrayFormat format, String path, OutputPlan plan, String queryId, String stagingDir,
    boolean localTarget, boolean rowsOnly, HadoopConf hadoopConf, boolean fillsNulls, boolean uploadsParts)
    implements Serializable {

  /** The subdirectory of the staging directory that task attempts write into. */
  static final String ATTEMPTS = "attempts";

  boolean hasHeader() {
    return format == ArrayFormat.NPY;
  }
}
