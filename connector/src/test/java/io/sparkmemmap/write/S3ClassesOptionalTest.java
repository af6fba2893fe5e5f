package io.sparkmemmap.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;

/**
 * S3A and the AWS SDK are optional at runtime (provided scope: a user on HDFS or local disk has neither): only
 * {@link S3PartCopy} names their classes, and it is reached only once the file system is S3A's, known by its class
 * name. The connector's compiled classes are searched for references to them, as the JVM would resolve them.
 */
class S3ClassesOptionalTest {
  private static final List<String> OPTIONAL_PACKAGES = List.of("org/apache/hadoop/fs/s3a/", "software/amazon/");

  @Test
  void onlyS3PartCopyNamesS3AOrTheAwsSdk() throws Exception {
    Path classes = Paths.get(S3PartCopy.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertTrue(Files.isDirectory(classes.resolve("io/sparkmemmap")), "the connector's classes at " + classes);
    List<String> naming;
    try (Stream<Path> files = Files.walk(classes)) {
      naming = files.filter(f -> f.toString().endsWith(".class")).filter(S3ClassesOptionalTest::namesOptional)
          .map(f -> classes.relativize(f).toString()).sorted().toList();
    }
    assertEquals(List.of("io/sparkmemmap/write/S3PartCopy.class"), naming,
        "classes referring to S3A or the AWS SDK");
  }

  @Test
  void partsAreCopiedOnlyOnS3A() throws IOException {
    FileSystem local = FileSystem.getLocal(new Configuration());
    assertFalse(SingleFileUpload.copiesParts(local), "the local file system copies no parts");
    assertEquals("org.apache.hadoop.fs.s3a.S3AFileSystem",
        org.apache.hadoop.fs.s3a.S3AFileSystem.class.getName(), "the class name the check compares");
  }

  private static boolean namesOptional(Path classFile) {
    try {
      // class names are in the constant pool as UTF-8 with slashes; a name compared as a string has dots
      String bytes = new String(Files.readAllBytes(classFile), StandardCharsets.ISO_8859_1);
      return OPTIONAL_PACKAGES.stream().anyMatch(bytes::contains);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
