package io.sparkmemmap.read;

import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.statistics.IOStatistics;
import org.apache.hadoop.fs.statistics.IOStatisticsSupport;
import org.apache.hadoop.fs.statistics.StreamStatisticNames;

/**
 * What a task fetched from one remote file: bytes received and requests made, for the scan's metrics
 * ({@link BytesFetchedMetric}, {@link FetchRequestsMetric}).
 *
 * <p>Where the stream keeps Hadoop's I/O statistics (S3A and the other object-store connectors), they are the
 * store's own count: bytes read from the HTTP responses, including bytes skipped or drained on a seek or a close,
 * and the GET requests opened. Streams without them (HDFS) count the positioned reads asked of them: a call is one
 * request.
 */
abstract class RemoteFetches {
  /** A local file: its reads are counted as bytes mapped or read, not fetched. */
  static final RemoteFetches NONE = new RemoteFetches() {
    @Override
    long bytes() {
      return 0;
    }

    @Override
    long requests() {
      return 0;
    }

    @Override
    void countRead(int length) {}
  };

  /** Bytes the store sent for the stream so far. */
  abstract long bytes();

  /** Requests made to the store so far. */
  abstract long requests();

  /** A positioned read of {@code length} bytes was answered. */
  abstract void countRead(int length);

  static RemoteFetches of(FSDataInputStream stream) {
    IOStatistics statistics = IOStatisticsSupport.retrieveIOStatistics(stream);
    if (statistics != null && statistics.counters().containsKey(StreamStatisticNames.STREAM_READ_OPENED)) {
      return new StoreCounted(statistics);
    }
    return new Counted();
  }

  /** The store connector's own counters. */
  private static final class StoreCounted extends RemoteFetches {
    private static final String[] BYTES = {StreamStatisticNames.STREAM_READ_BYTES,
        StreamStatisticNames.STREAM_READ_SEEK_BYTES_SKIPPED, StreamStatisticNames.STREAM_READ_BYTES_DISCARDED_CLOSE};
    private final IOStatistics statistics;

    StoreCounted(IOStatistics statistics) {
      this.statistics = statistics;
    }

    @Override
    long bytes() {
      long total = 0;
      for (String counter : BYTES) {
        total += counter(counter);
      }
      return total;
    }

    @Override
    long requests() {
      return counter(StreamStatisticNames.STREAM_READ_OPENED);
    }

    private long counter(String name) {
      Long value = statistics.counters().get(name);
      return value == null ? 0 : value;
    }

    @Override
    void countRead(int length) {}
  }

  /** Counted by the reads asked for. */
  private static final class Counted extends RemoteFetches {
    private long bytes;
    private long requests;

    @Override
    long bytes() {
      return bytes;
    }

    @Override
    long requests() {
      return requests;
    }

    @Override
    void countRead(int length) {
      bytes += length;
      requests++;
    }
  }
}
