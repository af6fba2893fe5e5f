package io.sparkmemmap.format;

import static io.sparkmemmap.format.NpyHeaderTest.handWritten;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Files that are not a readable {@code .npy}, each with the problem its error must state: the cases the header
 * parser is tested with ({@code NpyHeaderTest}), and that a Spark read must refuse the same way, naming the file.
 */
public final class MalformedNpyFiles {
  /** A malformed file: what it is, its bytes, and the text its error holds after the file's name. */
  public record Case(String name, byte[] bytes, String problem) {
    @Override
    public String toString() {
      return name;
    }
  }

  private MalformedNpyFiles() {}

  public static List<Case> cases() {
    byte[] good = NpyHeader.encode(NumpyDescr.parse("<f4"), false, Shape.of(3));
    byte[] oversize = handWritten(2, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"
        + " ".repeat(NpyHeader.DEFAULT_MAX_HEADER_BYTES), 64, StandardCharsets.ISO_8859_1);
    byte[] hugeV2 = Arrays.copyOf(handWritten(2, 0, "{}", 64, StandardCharsets.ISO_8859_1), 64);
    ByteBuffer.wrap(hugeV2, 8, 4).order(ByteOrder.LITTLE_ENDIAN).putInt(-1);
    byte[] badUtf8 = handWritten(3, 0, "{'descr': [('\u00e9', '<f4')], 'fortran_order': False, 'shape': (1,)}", 64,
        StandardCharsets.ISO_8859_1);
    return List.of(
        new Case("empty file", new byte[0], "not a .npy file: it is empty"),
        new Case("zip magic", "PK\u0003\u0004rest".getBytes(StandardCharsets.ISO_8859_1),
            "not a .npy file: it starts with b'PK\\x03\\x04re' instead of the magic string b'\\x93NUMPY'"),
        new Case("text file", "hello world".getBytes(StandardCharsets.US_ASCII), "not a .npy file"),
        new Case("truncated magic", Arrays.copyOf(good, 4), "truncated .npy file"),
        new Case("truncated version", Arrays.copyOf(good, 7), "truncated .npy file"),
        new Case("version 1.1", withVersion(good, 1, 1), "unsupported .npy format version 1.1"),
        new Case("version 4.0", withVersion(good, 4, 0), "unsupported .npy format version 4.0"),
        new Case("version 0.0", withVersion(good, 0, 0), "unsupported .npy format version 0.0"),
        new Case("truncated length", Arrays.copyOf(good, 9), "ends inside the header length field"),
        new Case("truncated header", Arrays.copyOf(good, 40), "the header should be 118 bytes but the file ends"
            + " after 30"),
        new Case("oversize v2 header", oversize,
            "bytes exceeds the limit of " + NpyHeader.DEFAULT_MAX_HEADER_BYTES + " bytes"),
        new Case("4 GiB v2 header", hugeV2, "header of 4294967295 bytes exceeds the limit"),
        new Case("missing key", handWritten("{'descr': '<f4', 'shape': (3,)}"),
            "it must hold exactly the keys 'descr', 'fortran_order' and 'shape'; missing [fortran_order]"),
        new Case("extra key", handWritten("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), 'x': 1}"),
            "unexpected [x]"),
        new Case("negative dimension", handWritten("{'descr': '<f4', 'fortran_order': False, 'shape': (3, -1)}"),
            "negative dimension in shape (3, -1)"),
        new Case("element count overflow",
            handWritten("{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776)}"),
            "has more elements than a long can count"),
        new Case("byte count overflow",
            handWritten("{'descr': '<f8', 'fortran_order': False, 'shape': (2305843009213693952,)}"),
            "describes more bytes than a file can hold"),
        new Case("dimension beyond 64 bits",
            handWritten("{'descr': '<f8', 'fortran_order': False, 'shape': (18446744073709551616,)}"),
            "integer 18446744073709551616 is out of the 64-bit range"),
        new Case("bad literal", handWritten("{'descr': '<f4', 'fortran_order': Flase, 'shape': (3,)}"),
            "malformed header: bad Python literal at position 34"),
        new Case("code in header", handWritten("{'descr': __import__('os').system('x'), 'fortran_order': False}"),
            "unknown name '__import__'"),
        new Case("deep nesting", handWritten("{'descr': " + "[".repeat(50_000) + "]".repeat(50_000)
            + ", 'fortran_order': False, 'shape': (3,)}"), "containers nested deeper than 32 levels"),
        new Case("not a dict", handWritten("['descr', 'fortran_order', 'shape']"),
            "malformed header: not a dict but ['descr', 'fortran_order', 'shape']"),
        new Case("fortran_order 0", handWritten("{'descr': '<f4', 'fortran_order': 0, 'shape': (3,)}"),
            "fortran_order is not True or False but 0"),
        new Case("shape as list", handWritten("{'descr': '<f4', 'fortran_order': False, 'shape': [3]}"),
            "shape is not a tuple of integers but [3]"),
        new Case("shape as int", handWritten("{'descr': '<f4', 'fortran_order': False, 'shape': (3)}"),
            "shape is not a tuple of integers but 3"),
        new Case("bad descr", handWritten("{'descr': '<f3', 'fortran_order': False, 'shape': (3,)}"),
            "unsupported or invalid descr in header: data type '<f3' not understood"),
        new Case("long double", handWritten("{'descr': '<f16', 'fortran_order': False, 'shape': (3,)}"),
            "is a long double"),
        new Case("top-level subarray", handWritten(
            "{'descr': ('<f4', (3,)), 'fortran_order': False, 'shape': (3,)}"), "accepted only as the type of a field"),
        new Case("v3 not UTF-8", badUtf8, "version 3.0 header is not valid UTF-8"),
        new Case("latin1 in v1 is fine, NUL is not", handWritten("{'descr': '<f4',\u0000}"),
            "malformed header: bad Python literal"));
  }

  private static byte[] withVersion(byte[] header, int major, int minor) {
    byte[] copy = header.clone();
    copy[6] = (byte) major;
    copy[7] = (byte) minor;
    return copy;
  }
}
