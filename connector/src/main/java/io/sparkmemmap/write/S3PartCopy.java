package io.sparkmemmap.write;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.fs.EtagSource;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.s3a.S3AFileSystem;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.CopyPartResult;
import software.amazon.awssdk.services.s3.model.UploadPartCopyRequest;

/**
 * A part of an S3A multipart upload copied by the store from a byte range of an existing object (S3's
 * UploadPartCopy), so that no byte of it passes through this JVM. Hadoop's {@code MultipartUploader} has no part
 * copy, so the copy is made with S3A's own AWS client, and its handle is written as S3A's uploader writes the
 * handles of the parts it puts, for that uploader to complete the upload with them.
 *
 * <p>The only class that names S3A or the AWS SDK, both optional at runtime (a user on HDFS has neither): it is
 * loaded only once {@link SingleFileUpload#copiesParts} has seen S3A's file system by its class name.
 */
final class S3PartCopy {
  /** S3A's file system, by name: comparing the name does not load the class. */
  static final String S3A_FILE_SYSTEM = "org.apache.hadoop.fs.s3a.S3AFileSystem";
  /**
   * The first field of S3A's part handles ({@code S3AMultipartUploader.HEADER} in Hadoop 3.5; its
   * {@code buildPartHandlePayload} writes, with {@link DataOutputStream}, this, the destination's URI, the upload
   * id, the part number, the part's length, its ETag, then the algorithm and value of a checksum if the part has
   * one). {@code complete} validates every field it reads, so a change of the format fails the commit, which then
   * aborts the upload: the old object stays as it was.
   */
  private static final String PART_HANDLE_HEADER = "S3A-part01";

  private S3PartCopy() {}

  /**
   * Copies {@code length} bytes of the object {@code source} from {@code offset} into part {@code number} of the
   * upload {@code upload} to {@code dst}, on the store; fails if the object is no longer the version
   * {@code source} describes (its ETag changed). Returns the part's handle as S3A's uploader gives them.
   */
  static byte[] copy(FileSystem fs, FileStatus source, long offset, long length, Path dst, byte[] upload, int number)
      throws IOException {
    S3AFileSystem s3a = (S3AFileSystem) fs;
    String uploadId = new String(upload, StandardCharsets.UTF_8); // S3A's upload handle: the upload id
    UploadPartCopyRequest.Builder request = UploadPartCopyRequest.builder()
        .sourceBucket(s3a.getBucket())
        .sourceKey(s3a.pathToKey(source.getPath()))
        .destinationBucket(s3a.getBucket())
        .destinationKey(s3a.pathToKey(dst))
        .uploadId(uploadId)
        .partNumber(number)
        .copySourceRange("bytes=" + offset + "-" + (offset + length - 1));
    if (source instanceof EtagSource tagged && tagged.getEtag() != null) {
      request.copySourceIfMatch(tagged.getEtag());
    }
    CopyPartResult result;
    try {
      result = s3a.getS3AInternals().getAmazonS3Client("spark-memmap part copy").uploadPartCopy(request.build())
          .copyPartResult();
    } catch (SdkException e) {
      throw new IOException("cannot copy bytes " + offset + " to " + (offset + length) + " of " + source.getPath()
          + " into part " + number + " of the upload to " + dst + ": " + e.getMessage(), e);
    }
    return partHandle(fs.makeQualified(dst), uploadId, number, length, result);
  }

  /** The handle S3A's uploader gives a part it puts ({@link #PART_HANDLE_HEADER}). */
  private static byte[] partHandle(Path dst, String uploadId, int number, long length, CopyPartResult result)
      throws IOException {
    String[] checksum = checksum(result);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeUTF(PART_HANDLE_HEADER);
      out.writeUTF(dst.toUri().toString());
      out.writeUTF(uploadId);
      out.writeInt(number);
      out.writeLong(length);
      out.writeUTF(result.eTag());
      if (checksum != null) {
        out.writeUTF(checksum[0]);
        out.writeUTF(checksum[1]);
      }
    }
    return bytes.toByteArray();
  }

  /** The part's checksum as S3A records a put part's: the first the store gave, by algorithm; null for none. */
  private static String[] checksum(CopyPartResult result) {
    String[][] candidates = {
        {"CRC32", result.checksumCRC32()},
        {"CRC32C", result.checksumCRC32C()},
        {"SHA1", result.checksumSHA1()},
        {"SHA256", result.checksumSHA256()}};
    for (String[] candidate : candidates) {
      if (candidate[1] != null) {
        return candidate;
      }
    }
    return null;
  }
}
