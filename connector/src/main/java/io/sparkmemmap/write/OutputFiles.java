package io.sparkmemmap.write;

import io.sparkmemmap.format.NpyHeader;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.apache.hadoop.HadoopIllegalArgumentException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.DistributedFileSystem;
import org.apache.hadoop.ipc.RemoteException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The file operations that publish a job's output. The local file system works through {@code java.nio}: kernel-side
 * copies ({@link FileChannel#transferTo}), hard links for renames that must not replace, and in-place header
 * rewrites. Other file systems (HDFS, object stores) work through Hadoop's API: renames, and streamed copies.
 */
abstract class OutputFiles {

  static OutputFiles of(FileSystem fs, Configuration conf) {
    return "file".equals(fs.getScheme()) ? new Local() : new Hadoop(fs, conf);
  }

  abstract boolean isLocal();

  /** Whether {@code path} exists, and as what. */
  abstract PathState state(Path path) throws IOException;

  abstract void mkdirs(Path dir) throws IOException;

  abstract void deleteRecursively(Path path) throws IOException;

  /** Names of the entries of a directory, sorted. */
  abstract List<String> list(Path dir) throws IOException;

  /** Moves {@code src} to {@code dst}, which must not exist: an error rather than replacing what another wrote. */
  abstract void rename(Path src, Path dst) throws IOException;

  /** Moves the file {@code src} over the file {@code dst} in one step. */
  abstract void replace(Path src, Path dst) throws IOException;

  abstract void createEmptyFile(Path path) throws IOException;

  /**
   * Writes a new file: {@code header}, then each range in order; it becomes visible by a rename. On the local file
   * system, like the staged parts ({@link StagingFile}), it is not forced to disk; a Hadoop file system's copy is
   * synced to its datanodes ({@code hsync}) before it is closed.
   */
  abstract void assemble(Path dst, byte[] header, List<ByteRange> ranges) throws IOException;

  /**
   * Like {@link #assemble}, from the staged parts of a job, which it may consume: a file system that joins files on
   * its side moves the parts' blocks into {@code dst} rather than copying their bytes.
   */
  void assembleParts(Path dst, byte[] header, List<ByteRange> parts) throws IOException {
    assemble(dst, header, parts);
  }

  abstract NpyHeader readHeader(Path file) throws IOException;

  abstract long length(Path file) throws IOException;

  /** Copies a range of a file of any file system into {@code out}, through {@code buffer}. */
  static void copy(ByteRange range, OutputStream out, byte[] buffer, Configuration conf) throws IOException {
    try (FSDataInputStream in = range.file().getFileSystem(conf).open(range.file())) {
      in.seek(range.offset());
      long left = range.length();
      while (left > 0) {
        int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
        if (n < 0) {
          throw new IOException(range.file() + " ended " + left + " bytes before the rows it should hold");
        }
        out.write(buffer, 0, n);
        left -= n;
      }
    }
  }

  enum PathState {
    MISSING,
    FILE,
    DIRECTORY
  }

  static long totalLength(List<ByteRange> ranges) {
    return ranges.stream().mapToLong(ByteRange::length).sum();
  }

  /** The local file system, through {@code java.nio}. */
  static final class Local extends OutputFiles {

    /** The file a local Hadoop path names, decoded as Hadoop's own local file system decodes it. */
    static java.nio.file.Path nio(Path path) {
      return Paths.get(path.toUri().getPath());
    }

    @Override
    boolean isLocal() {
      return true;
    }

    @Override
    PathState state(Path path) {
      java.nio.file.Path p = nio(path);
      if (Files.isDirectory(p)) {
        return PathState.DIRECTORY;
      }
      return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? PathState.FILE : PathState.MISSING;
    }

    @Override
    void mkdirs(Path dir) throws IOException {
      Files.createDirectories(nio(dir));
    }

    /**
     * Deletes a tree. A task attempt still being killed may add a file while the tree is walked; once its directory
     * is gone it cannot, so walking again until nothing is left converges.
     */
    @Override
    void deleteRecursively(Path path) throws IOException {
      java.nio.file.Path root = nio(path);
      for (int attempt = 1; ; attempt++) {
        try {
          deleteTree(root);
          return;
        } catch (DirectoryNotEmptyException e) {
          if (attempt == 10) {
            throw e;
          }
        }
      }
    }

    private static void deleteTree(java.nio.file.Path root) throws IOException {
      if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
        return;
      }
      List<java.nio.file.Path> all;
      try (Stream<java.nio.file.Path> walk = Files.walk(root)) {
        all = new ArrayList<>(walk.toList());
      } catch (UncheckedIOException e) {
        if (e.getCause() instanceof NoSuchFileException) {
          throw new DirectoryNotEmptyException(root.toString()); // changed under the walk: walk again
        }
        throw e;
      }
      all.sort(Comparator.reverseOrder());
      for (java.nio.file.Path p : all) {
        Files.deleteIfExists(p);
      }
    }

    @Override
    List<String> list(Path dir) throws IOException {
      try (Stream<java.nio.file.Path> entries = Files.list(nio(dir))) {
        return entries.map(p -> p.getFileName().toString()).sorted().toList();
      }
    }

    @Override
    void rename(Path src, Path dst) throws IOException {
      java.nio.file.Path from = nio(src);
      java.nio.file.Path to = nio(dst);
      if (Files.isRegularFile(from, LinkOption.NOFOLLOW_LINKS)) {
        // link(2) fails if the name exists, so a file another writer published is never replaced
        try {
          Files.createLink(to, from);
          Files.delete(from);
          return;
        } catch (FileAlreadyExistsException e) {
          throw new FileAlreadyExistsException(to.toString(), null, "the path already exists");
        } catch (UnsupportedOperationException | FileSystemException e) {
          if (e instanceof NoSuchFileException) {
            throw e;
          }
          // no hard links here: fall through to check-then-rename
        }
      }
      if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
        throw new FileAlreadyExistsException(to.toString(), null, "the path already exists");
      }
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    void replace(Path src, Path dst) throws IOException {
      Files.move(nio(src), nio(dst), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    void createEmptyFile(Path path) throws IOException {
      Files.write(nio(path), new byte[0]);
    }

    @Override
    void assemble(Path dst, byte[] header, List<ByteRange> ranges) throws IOException {
      long total = header.length + totalLength(ranges);
      try (FileChannel out = FileChannel.open(nio(dst), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        if (total > 0) {
          // preallocate, as numpy's open_memmap does: one byte at the end
          writeFully(out, ByteBuffer.allocate(1), total - 1);
        }
        writeFully(out, ByteBuffer.wrap(header), 0);
        long at = header.length;
        for (ByteRange range : ranges) {
          at += copy(range, out, at);
        }
      }
    }

    /** Copies a range into {@code out} at {@code at}, inside the kernel; returns the bytes copied. */
    static long copy(ByteRange range, FileChannel out, long at) throws IOException {
      try (FileChannel in = FileChannel.open(nio(range.file()), StandardOpenOption.READ)) {
        if (in.size() < range.offset() + range.length()) {
          throw new IOException(range.file() + " holds " + in.size() + " bytes, fewer than the "
              + (range.offset() + range.length()) + " its rows need");
        }
        out.position(at);
        long done = 0;
        while (done < range.length()) {
          long n = in.transferTo(range.offset() + done, range.length() - done, out);
          if (n <= 0) {
            throw new IOException("copying " + range.file() + " stopped after " + done + " of " + range.length()
                + " bytes");
          }
          done += n;
        }
        return done;
      }
    }

    static void writeFully(FileChannel channel, ByteBuffer bytes, long position) throws IOException {
      long at = position;
      while (bytes.hasRemaining()) {
        at += channel.write(bytes, at);
      }
    }

    @Override
    NpyHeader readHeader(Path file) throws IOException {
      try (InputStream in = new BufferedInputStream(Files.newInputStream(nio(file)))) {
        return NpyHeader.read(in, file.toString());
      }
    }

    @Override
    long length(Path file) throws IOException {
      return Files.size(nio(file));
    }
  }

  /**
   * Any other Hadoop file system: renames stay on the server; on HDFS a single file is joined from its parts by the
   * namenode, elsewhere copies stream through this JVM.
   */
  static final class Hadoop extends OutputFiles {
    private static final Logger LOG = LoggerFactory.getLogger(OutputFiles.class);
    private static final int COPY_BUFFER = 1 << 20;
    /** File system classes already said, once, to copy a single file's parts through the driver. */
    private static final Set<String> COPYING = ConcurrentHashMap.newKeySet();
    private final FileSystem fs;
    private final Configuration conf;

    Hadoop(FileSystem fs, Configuration conf) {
      this.fs = fs;
      this.conf = conf;
    }

    @Override
    boolean isLocal() {
      return false;
    }

    @Override
    PathState state(Path path) throws IOException {
      try {
        FileStatus status = fs.getFileStatus(path);
        return status.isDirectory() ? PathState.DIRECTORY : PathState.FILE;
      } catch (java.io.FileNotFoundException e) {
        return PathState.MISSING;
      }
    }

    @Override
    void mkdirs(Path dir) throws IOException {
      if (!fs.mkdirs(dir)) {
        throw new IOException("could not create directory " + dir);
      }
    }

    @Override
    void deleteRecursively(Path path) throws IOException {
      fs.delete(path, true);
    }

    @Override
    List<String> list(Path dir) throws IOException {
      List<String> names = new ArrayList<>();
      for (FileStatus status : fs.listStatus(dir)) {
        names.add(status.getPath().getName());
      }
      names.sort(null);
      return names;
    }

    @Override
    void rename(Path src, Path dst) throws IOException {
      // a rename onto an existing directory would move src inside it
      if (fs.exists(dst)) {
        throw new FileAlreadyExistsException(dst.toString(), null, "the path already exists");
      }
      if (!fs.rename(src, dst)) {
        throw new IOException("could not rename " + src + " to " + dst);
      }
    }

    @Override
    void replace(Path src, Path dst) throws IOException {
      FileContext.getFileContext(dst.toUri(), conf).rename(src, dst, Options.Rename.OVERWRITE);
    }

    @Override
    void createEmptyFile(Path path) throws IOException {
      fs.create(path, true).close();
    }

    @Override
    void assemble(Path dst, byte[] header, List<ByteRange> ranges) throws IOException {
      byte[] buffer = new byte[COPY_BUFFER];
      try (FSDataOutputStream out = fs.create(dst, false)) {
        out.write(header);
        for (ByteRange range : ranges) {
          copy(range, out, buffer);
        }
        out.hsync();
      }
    }

    /**
     * Joins the parts behind a file holding the header with {@link DistributedFileSystem#concat}: a namenode
     * operation that moves the parts' blocks, however large, into the header's file. It requires the files to be in
     * one directory (the parts' staging directory), the sources to be non-empty and closed, and their block size to
     * be no larger than the target's; blocks need not be full (HDFS-3689), so the header is a block of its own.
     */
    @Override
    void assembleParts(Path dst, byte[] header, List<ByteRange> parts) throws IOException {
      List<ByteRange> sources = parts.stream().filter(part -> part.length() > 0).toList();
      if (sources.isEmpty() || !joinsOnServer()) {
        assemble(dst, header, parts);
        return;
      }
      long blockSize = 0;
      Path dir = sources.get(0).file().getParent();
      for (ByteRange source : sources) {
        FileStatus status = fs.getFileStatus(source.file());
        if (source.offset() != 0 || status.getLen() != source.length() || !dir.equals(source.file().getParent())) {
          throw new IllegalStateException(source.file() + " holds " + status.getLen() + " bytes in " + dir
              + ", not a part of " + source.length() + " bytes of rows only, as joining the parts needs");
        }
        blockSize = Math.max(blockSize, status.getBlockSize());
      }
      Path joined = header.length > 0 ? new Path(dir, "header-" + dst.getName()) : sources.get(0).file();
      List<ByteRange> appended = header.length > 0 ? sources : sources.subList(1, sources.size());
      if (header.length > 0) {
        try (FSDataOutputStream out = fs.create(joined, false, COPY_BUFFER, fs.getDefaultReplication(joined),
            blockSize)) {
          out.write(header);
        }
      }
      if (!appended.isEmpty() && !concat(joined, appended.stream().map(ByteRange::file).toArray(Path[]::new))) {
        if (header.length > 0) {
          fs.delete(joined, false);
        }
        assemble(dst, header, parts);
        return;
      }
      rename(joined, dst);
    }

    /**
     * Whether the file system joins files as HDFS does. Not every {@link FileSystem#concat} does: the base class's
     * throws, and the local file system's rewrites the target from the sources, copying them through this JVM.
     */
    private boolean joinsOnServer() {
      if (fs instanceof DistributedFileSystem) {
        return true;
      }
      if (COPYING.add(fs.getClass().getName())) {
        LOG.info("{} ({}) does not join files on its side as HDFS does: a single file written to it is assembled by "
            + "copying every part through the driver", fs.getScheme(), fs.getClass().getName());
      }
      return false;
    }

    /** Joins {@code sources} onto the end of {@code target}; false, having changed nothing, where HDFS refuses. */
    private boolean concat(Path target, Path[] sources) throws IOException {
      try {
        fs.concat(target, sources);
        return true;
      } catch (RemoteException e) {
        if (!HadoopIllegalArgumentException.class.getName().equals(e.getClassName())) {
          throw new IOException("could not join the parts of " + target + ": " + e.getMessage(), e);
        }
        // refused before any change, as in an encryption zone
        LOG.warn("{} refused to join the parts of {} ({}): copying them through the driver instead", fs.getScheme(),
            target, e.getMessage());
        return false;
      }
    }

    private void copy(ByteRange range, OutputStream out, byte[] buffer) throws IOException {
      OutputFiles.copy(range, out, buffer, conf);
    }

    @Override
    NpyHeader readHeader(Path file) throws IOException {
      try (InputStream in = new BufferedInputStream(fs.open(file))) {
        return NpyHeader.read(in, file.toString());
      }
    }

    @Override
    long length(Path file) throws IOException {
      return fs.getFileStatus(file).getLen();
    }
  }
}
