package io.sparkmemmap.format.ragged;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sparkmemmap.Python;
import io.sparkmemmap.format.DTypeKind;
import io.sparkmemmap.format.Endian;
import io.sparkmemmap.format.NumpyDescr;
import io.sparkmemmap.format.PositionalReader;
import io.sparkmemmap.format.ScalarDType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Indexes and data arrays made by NumPy (the indexed-records recipe's {@code (N, 2)} pairs in any order, with
 * overlaps and gaps, in C and Fortran order and big-endian; CSR offsets) are read back entry for entry as NumPy
 * computed them; every kind of bad index or data is refused naming the file and what is wrong.
 */
class RaggedIndexTest {
  @TempDir
  static Path dir;

  /** What NumPy says the rows of each index are: starts, lengths and the sum of the lengths, as JSON. */
  private static JsonNode expected;

  @BeforeAll
  static void makeFiles() throws IOException {
    String out = Python.run(dir, String.join("\n",
        "rng = np.random.default_rng(15)",
        "lengths = rng.integers(0, 40, size=150001)",
        "offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)",
        "data = rng.standard_normal(int(offsets[-1])).astype(np.float32)",
        "np.save('data.npy', data)",
        "np.save('offsets.npy', offsets)",
        // the recipe: any order, overlapping rows and gaps are allowed
        "order = rng.permutation(len(lengths))",
        "pairs = np.stack([offsets[:-1][order], lengths[order]], axis=1).astype(np.int64)",
        "pairs[7] = [3, 100]",
        "pairs[8] = [0, 0]",
        "np.save('pairs.npy', pairs)",
        "np.save('pairs_f.npy', np.asfortranarray(pairs))",
        "np.save('pairs_be.npy', pairs.astype('>i8'))",
        "data.tofile('data.f32')",
        "with open('data_off.f32', 'wb') as f:",
        "    f.write(b'\\x00' * 16)",
        "    data.tofile(f)",
        "np.save('empty_pairs.npy', np.zeros((0, 2), np.int64))",
        "np.save('empty_offsets.npy', np.zeros(1, np.int64))",
        // bad indexes
        "np.save('float_index.npy', pairs.astype(np.float64))",
        "np.save('int32_index.npy', pairs.astype(np.int32))",
        "np.save('three_columns.npy', np.zeros((4, 3), np.int64))",
        "np.save('cube.npy', np.zeros((2, 2, 2), np.int64))",
        "np.save('no_offsets.npy', np.zeros(0, np.int64))",
        "bad = pairs.copy(); bad[100000, 1] = -5; np.save('negative_length.npy', bad)",
        "bad = pairs.copy(); bad[70000, 0] = -1; np.save('negative_start.npy', bad)",
        "bad = pairs.copy(); bad[5] = [len(data) - 2, 3]; np.save('past_end.npy', bad)",
        "bad = pairs.copy(); bad[6] = [2**62, 2**62]; np.save('overflow.npy', bad)",
        "bad = offsets.copy(); bad[90000] = bad[89999] - 1; np.save('decreasing.npy', bad)",
        "bad = offsets.copy(); bad[-1] = len(data) + 1; np.save('offsets_past_end.npy', bad)",
        "np.save('data_2d.npy', np.zeros((3, 4), np.float32))",
        "np.save('data_object.npy', np.array([1, 'a'], dtype=object), allow_pickle=True)",
        "emit({'starts': offsets[:-1][order][:20].tolist() + [3, 0],",
        "      'lengths': lengths[order][:20].tolist() + [100, 0],",
        "      'pairsSum': int(pairs[:, 1].sum()), 'offsetsSum': int(lengths.sum()),",
        "      'csrStarts': offsets[149990:150001].tolist(), 'csrLengths': lengths[149990:].tolist(),",
        "      'elements': len(data)})"));
    expected = new ObjectMapper().readTree(out);
    // truncated copies: the header promises more than the file holds
    truncate("pairs.npy", "short_index.npy", 8);
    truncate("data.npy", "short_data.npy", 4);
  }

  private static void truncate(String from, String to, int bytes) throws IOException {
    byte[] all = Files.readAllBytes(dir.resolve(from));
    Files.write(dir.resolve(to), java.util.Arrays.copyOf(all, all.length - bytes));
  }

  @FunctionalInterface
  private interface Use<T> {
    T apply(PositionalReader reader) throws IOException;
  }

  private static <T> T with(String name, Use<T> use) throws IOException {
    try (FileChannel channel = FileChannel.open(dir.resolve(name), StandardOpenOption.READ)) {
      return use.apply(PositionalReader.of(channel));
    }
  }

  private static RaggedIndex index(String name) throws IOException {
    return with(name, reader -> RaggedIndex.read(reader, name));
  }

  private static RaggedData data(String name) throws IOException {
    return with(name, reader -> RaggedData.readNpy(reader, name));
  }

  private static long validate(String indexName, RaggedData data) throws IOException {
    RaggedIndex index = index(indexName);
    return with(indexName, reader -> index.validate(reader, data));
  }

  private static long[] longs(String field, int from, int to) {
    long[] out = new long[to - from];
    for (int i = from; i < to; i++) {
      out[i - from] = expected.get(field).get(i).asLong();
    }
    return out;
  }

  @ParameterizedTest
  @ValueSource(strings = {"pairs.npy", "pairs_f.npy", "pairs_be.npy"})
  void pairsReadAsNumpyWroteThem(String name) throws IOException {
    RaggedIndex index = index(name);
    assertEquals(RaggedIndex.Form.PAIRS, index.form());
    assertEquals(150001, index.rows());
    RaggedIndex.Slice head = with(name, reader -> index.slice(reader, 0, 9));
    assertArrayEquals(longs("starts", 0, 7), java.util.Arrays.copyOf(head.starts(), 7));
    assertArrayEquals(longs("lengths", 0, 7), java.util.Arrays.copyOf(head.lengths(), 7));
    assertArrayEquals(new long[] {3, 0}, java.util.Arrays.copyOfRange(head.starts(), 7, 9));
    assertArrayEquals(new long[] {100, 0}, java.util.Arrays.copyOfRange(head.lengths(), 7, 9));
    RaggedIndex.Slice middle = with(name, reader -> index.slice(reader, 9, 20));
    assertEquals(9, middle.first());
    assertArrayEquals(longs("starts", 9, 20), middle.starts());
    assertArrayEquals(longs("lengths", 9, 20), middle.lengths());
    assertEquals(expected.get("pairsSum").asLong(), validate(name, data("data.npy")));
  }

  @Test
  void offsetsReadAsNumpyWroteThem() throws IOException {
    RaggedIndex index = index("offsets.npy");
    assertEquals(RaggedIndex.Form.OFFSETS, index.form());
    assertEquals(150001, index.rows());
    RaggedIndex.Slice tail = with("offsets.npy", reader -> index.slice(reader, 149990, 150001));
    assertArrayEquals(longs("csrStarts", 0, 11), tail.starts());
    assertArrayEquals(longs("csrLengths", 0, 11), tail.lengths());
    assertEquals(expected.get("offsetsSum").asLong(), validate("offsets.npy", data("data.npy")));
    assertThrows(IndexOutOfBoundsException.class, () -> with("offsets.npy", r -> index.slice(r, 0, 150002)));
  }

  @Test
  void emptyIndexesHaveNoRows() throws IOException {
    RaggedData data = data("data.npy");
    assertEquals(0, index("empty_pairs.npy").rows());
    assertEquals(0, validate("empty_pairs.npy", data));
    assertEquals(RaggedIndex.Form.OFFSETS, index("empty_offsets.npy").form());
    assertEquals(0, index("empty_offsets.npy").rows());
    assertEquals(0, validate("empty_offsets.npy", data));
  }

  @Test
  void npyAndRawDataDescribeTheSameElements() throws IOException {
    RaggedData npy = data("data.npy");
    long elements = expected.get("elements").asLong();
    assertEquals(elements, npy.elements());
    assertEquals(ScalarDType.of(DTypeKind.FLOAT, Endian.LITTLE, 4), npy.dtype());
    RaggedData raw = RaggedData.raw("data.f32", Files.size(dir.resolve("data.f32")), NumpyDescr.parse("float32"), 0);
    assertEquals(elements, raw.elements());
    assertEquals(0, raw.byteOffset(0));
    RaggedData offset = RaggedData.raw("data_off.f32", Files.size(dir.resolve("data_off.f32")),
        NumpyDescr.parse("<f4"), 16);
    assertEquals(elements, offset.elements());
    assertEquals(16 + 4 * 10, offset.byteOffset(10));
    assertEquals(npy.byteOffset(5) - npy.dataOffset(), offset.byteOffset(5) - offset.dataOffset());
    // the data travels to executors: the dtype survives serialization
    assertEquals(npy.dtype(), roundTrip(npy).dtype());
  }

  private static RaggedData roundTrip(RaggedData data) throws IOException {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try (java.io.ObjectOutputStream out = new java.io.ObjectOutputStream(bytes)) {
      out.writeObject(data);
    }
    try (java.io.ObjectInputStream in = new java.io.ObjectInputStream(
        new java.io.ByteArrayInputStream(bytes.toByteArray()))) {
      return (RaggedData) in.readObject();
    } catch (ClassNotFoundException e) {
      throw new AssertionError(e);
    }
  }

  private static void refusedIndex(String name, String... fragments) {
    RaggedFormatException e = assertThrows(RaggedFormatException.class,
        () -> validate(name, data("data.npy")));
    assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
  }

  @Test
  void badIndexesAreRefusedNamingTheFile() {
    refusedIndex("float_index.npy", "must be int64", "'<f8'");
    refusedIndex("int32_index.npy", "must be int64", "'<i4'", "astype(np.int64)");
    refusedIndex("three_columns.npy", "shape (N, 2)", "(4, 3)");
    refusedIndex("cube.npy", "(2, 2, 2)");
    refusedIndex("no_offsets.npy", "N + 1", "empty");
    refusedIndex("short_index.npy", "shorter than its header says");
    refusedIndex("negative_length.npy", "row 100000 has negative length -5");
    refusedIndex("negative_start.npy", "start of row 70000 is negative: -1");
    long elements = expected.get("elements").asLong();
    refusedIndex("past_end.npy", "row 5 is elements [" + (elements - 2) + ", " + (elements + 1) + ")",
        "past the end of data.npy, which has " + elements + " elements");
    refusedIndex("overflow.npy", "row 6", "past the end of data.npy");
    refusedIndex("decreasing.npy", "offsets must not decrease", "offset 90000");
    refusedIndex("offsets_past_end.npy", "row 150000", "past the end of data.npy");
  }

  private static void refusedData(Use<RaggedData> read, String name, String... fragments) {
    RaggedFormatException e = assertThrows(RaggedFormatException.class, () -> with(name, read));
    assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
    for (String fragment : fragments) {
      assertTrue(e.getMessage().contains(fragment), e.getMessage());
    }
  }

  @Test
  void badDataIsRefusedNamingTheFile() throws IOException {
    refusedData(reader -> RaggedData.readNpy(reader, "data_2d.npy"), "data_2d.npy", "must be 1-D", "(3, 4)");
    refusedData(reader -> RaggedData.readNpy(reader, "data_object.npy"), "data_object.npy", "object array");
    refusedData(reader -> RaggedData.readNpy(reader, "short_data.npy"), "short_data.npy", "shorter than the header");
    long size = Files.size(dir.resolve("data_off.f32"));
    refusedData(reader -> RaggedData.raw("data_off.f32", size, NumpyDescr.parse("<f4"), 2), "data_off.f32",
        "not a whole number of 4-byte elements", "options dtype and offset");
    refusedData(reader -> RaggedData.raw("data_off.f32", size, NumpyDescr.parse("<f4"), size + 1), "data_off.f32",
        "offset " + (size + 1) + " lies outside the file");
  }

  @Test
  void rebaseShiftsStartsOnly() {
    ByteBuffer pairs = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
    pairs.putLong(0).putLong(3).putLong(3).putLong(0).putLong(3).putLong(5).flip();
    RaggedIndex.rebase(pairs, 1000);
    long[] out = new long[6];
    pairs.asLongBuffer().get(out);
    assertArrayEquals(new long[] {1000, 3, 1003, 0, 1003, 5}, out);
    assertEquals(0, pairs.position());
  }

  @Test
  void pairsHeaderIsWhatNumpyWrites() throws IOException {
    byte[] header = RaggedIndex.pairsHeader(3);
    Path written = dir.resolve("written_index.npy");
    ByteBuffer body = ByteBuffer.allocate(48).order(ByteOrder.LITTLE_ENDIAN);
    body.putLong(0).putLong(2).putLong(2).putLong(0).putLong(2).putLong(1);
    Files.write(written, header);
    Files.write(written, body.array(), StandardOpenOption.APPEND);
    String out = Python.run(dir, String.join("\n",
        "a = np.load('written_index.npy')",
        "b = np.array([[0, 2], [2, 0], [2, 1]], dtype=np.int64)",
        "import io; buf = io.BytesIO(); np.save(buf, b)",
        "emit({'equal': bool(a.dtype == b.dtype and (a == b).all()),",
        "      'bytes': open('written_index.npy', 'rb').read() == buf.getvalue()})"));
    assertEquals("{\"equal\": true, \"bytes\": true}", out.strip());
  }
}
