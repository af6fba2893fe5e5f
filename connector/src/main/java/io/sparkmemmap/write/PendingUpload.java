package io.sparkmemmap.write;

import java.io.Serializable;

/**
 * A multipart upload a task began and did not complete: the handles Hadoop's {@code MultipartUploader} gave for the
 * upload and for each of its parts, in part order, as bytes so that they travel in a task's commit message. The
 * object appears only when job commit completes the upload ({@link PartUploads}).
 */
record PendingUpload(byte[] upload, byte[][] parts) implements Serializable {}
