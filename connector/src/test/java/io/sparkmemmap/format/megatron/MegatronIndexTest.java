package io.sparkmemmap.format.megatron;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.format.NpyFormatException;
import io.sparkmemmap.format.PositionalReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Megatron-LM {@code .idx}/{@code .bin} pairs written by a reimplementation of Megatron's {@code _IndexWriter} in
 * Python (struct and {@code np.tofile}, exactly the layout of {@code indexed_dataset.py}) are read back and compared
 * with what NumPy computed; corrupted copies are refused with the file and the problem; the Java writer's output is
 * compared byte for byte with Python's and accepted by a NumPy-only validator.
 */
class MegatronIndexTest {

  /**
   * Megatron's {@code _IndexWriter.write} and {@code _sequence_pointers}, and a NumPy-only validator that parses an
   * index the way {@code _IndexReader} does (np.frombuffer at computed offsets).
   */
  private static final String MEGATRON = String.join("\n",
      "import struct",
      "CODES = {np.dtype(np.uint8): 1, np.dtype(np.int8): 2, np.dtype(np.int16): 3, np.dtype(np.int32): 4,",
      "         np.dtype(np.int64): 5, np.dtype(np.float64): 6, np.dtype(np.float32): 7, np.dtype(np.uint16): 8}",
      "DTYPES = {v: k for k, v in CODES.items()}",
      "def sequence_pointers(lengths, itemsize):",
      "    pointers, current = [], 0",
      "    for length in lengths:",
      "        pointers.append(current)",
      "        current += int(length) * itemsize",
      "    return pointers",
      "def write_index(path, dtype, lengths, document_indices, modes=None):",
      "    dtype = np.dtype(dtype)",
      "    with open(path, 'wb') as f:",
      "        f.write(b'MMIDIDX\\x00\\x00')",
      "        f.write(struct.pack('<Q', 1))",
      "        f.write(struct.pack('<B', CODES[dtype]))",
      "        f.write(struct.pack('<Q', len(lengths)))",
      "        f.write(struct.pack('<Q', len(document_indices)))",
      "        np.array(lengths, dtype=np.int32).tofile(f)",
      "        np.array(sequence_pointers(lengths, dtype.itemsize), dtype=np.int64).tofile(f)",
      "        np.array(document_indices, dtype=np.int64).tofile(f)",
      "        if modes is not None:",
      "            np.array(modes, dtype=np.int8).tofile(f)",
      "def parse(path, multimodal):",
      "    buf = open(path, 'rb').read()",
      "    assert buf[:9] == b'MMIDIDX\\x00\\x00', 'magic'",
      "    version, = struct.unpack('<Q', buf[9:17])",
      "    assert version == 1, 'version'",
      "    code, = struct.unpack('<B', buf[17:18])",
      "    dtype = DTYPES[code]",
      "    s, = struct.unpack('<Q', buf[18:26])",
      "    d, = struct.unpack('<Q', buf[26:34])",
      "    off = 34",
      "    lengths = np.frombuffer(buf, dtype='<i4', count=s, offset=off); off += 4 * s",
      "    pointers = np.frombuffer(buf, dtype='<i8', count=s, offset=off); off += 8 * s",
      "    docs = np.frombuffer(buf, dtype='<i8', count=d, offset=off); off += 8 * d",
      "    modes = None",
      "    if multimodal:",
      "        modes = np.frombuffer(buf, dtype='<i1', count=s, offset=off); off += s",
      "    assert off == len(buf), 'size %d, arrays end at %d' % (len(buf), off)",
      "    return dtype, s, d, lengths, pointers, docs, modes",
      "def validate(path, bin_path, multimodal):",
      "    dtype, s, d, lengths, pointers, docs, modes = parse(path, multimodal)",
      "    sizes = lengths.astype(np.int64) * dtype.itemsize",
      "    expected = np.concatenate([[0], np.cumsum(sizes)[:-1]]) if s else np.zeros(0, np.int64)",
      "    assert np.array_equal(pointers, expected), 'pointers'",
      "    assert (lengths >= 0).all(), 'lengths'",
      "    assert d >= 1 and docs[0] == 0, 'docs start'",
      "    assert (np.diff(docs) >= 0).all(), 'docs decrease'",
      "    assert docs[-1] == s, 'docs end'",
      "    assert int(sizes.sum()) == os.path.getsize(bin_path), 'bin size'",
      "    tokens = np.memmap(bin_path, dtype=dtype, mode='r') if s and sizes.sum() else np.zeros(0, dtype)",
      "    assert tokens.size == int(lengths.sum()), 'bin tokens'",
      "def line(a):",
      "    return ' '.join(str(int(x)) for x in a)",
      "import os",
      "");

  /** The cases: name, NumPy dtype, sequence count, whether multimodal. */
  private static final String[][] CASES = {
      // More sequences than MegatronIndex.CHUNK_ENTRIES, so validation crosses chunk boundaries.
      {"u16", "uint16", "150001", "False"},
      {"i32", "int32", "1000", "False"},
      {"mm", "uint16", "777", "True"},
      {"empty", "int32", "0", "False"},
  };

  @TempDir
  static Path dir;

  @BeforeAll
  static void writeWithPython() {
    StringBuilder script = new StringBuilder(MEGATRON);
    script.append("rng = np.random.default_rng(15)\n");
    for (String[] c : CASES) {
      script.append(String.join("\n",
          "name, dtype, s, mm = " + Python.literal(c[0]) + ", np.dtype('" + c[1] + "'), " + c[2] + ", " + c[3],
          "lengths = rng.integers(0, 60, s).astype(np.int32)",
          // Cut points with repeats: empty documents are allowed, so document indices only never decrease.
          "cuts = np.sort(rng.integers(0, s + 1, s // 10 + (3 if s else 0)))",
          "docs = np.concatenate([[0], cuts, [s]]).astype(np.int64) if s else np.array([0], np.int64)",
          "modes = rng.integers(-128, 128, s).astype(np.int8) if mm else None",
          "write_index(name + '.idx', dtype, lengths, docs, modes)",
          "tokens = rng.integers(0, np.iinfo(dtype).max, int(lengths.sum())).astype(dtype)",
          "tokens.tofile(name + '.bin')",
          // What Megatron's reader sees, parsed independently of the writer above.
          "pdtype, ps, pd, plengths, ppointers, pdocs, pmodes = parse(name + '.idx', mm)",
          "assert pdtype == dtype and ps == s and pd == len(docs) and np.array_equal(plengths, lengths)",
          "sizes = lengths.astype(np.int64) * dtype.itemsize",
          "pointers = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64) if s else np.zeros(0, np.int64)",
          "assert np.array_equal(ppointers, pointers) and np.array_equal(pdocs, docs)",
          "validate(name + '.idx', name + '.bin', mm)",
          "with open(name + '.expected', 'w') as f:",
          "    f.write(' '.join(str(x) for x in [CODES[dtype], dtype.itemsize, s, len(docs), int(mm),",
          "        int(sizes.sum()), 34, 34 + 4 * s, 34 + 12 * s, 34 + 12 * s + 8 * len(docs),",
          "        os.path.getsize(name + '.idx')]) + '\\n')",
          "    f.write(line(plengths) + '\\n' + line(ppointers) + '\\n' + line(pdocs) + '\\n'",
          "        + (line(pmodes) if mm else '') + '\\n')",
          ""));
    }
    script.append("print('written')\n");
    assertEquals("written", Python.run(dir, script.toString()).strip());
  }

  /** What NumPy read from one Python-written pair. */
  private record Expected(int code, int itemSize, long s, long d, boolean mm, long binSize, long lengthsOffset,
      long pointersOffset, long docsOffset, long modesOffset, long idxSize, int[] lengths, long[] pointers,
      long[] docs, byte[] modes) {

    static Expected of(String name) throws IOException {
      List<String> lines = Files.readAllLines(dir.resolve(name + ".expected"));
      long[] h = longs(lines.get(0));
      long[] modes = longs(lines.get(4));
      byte[] modeBytes = new byte[modes.length];
      for (int i = 0; i < modes.length; i++) {
        modeBytes[i] = (byte) modes[i];
      }
      return new Expected((int) h[0], (int) h[1], h[2], h[3], h[4] == 1, h[5], h[6], h[7], h[8], h[9], h[10],
          Arrays.stream(longs(lines.get(1))).mapToInt(Math::toIntExact).toArray(), longs(lines.get(2)),
          longs(lines.get(3)), modeBytes);
    }

    private static long[] longs(String line) {
      return line.isBlank() ? new long[0] : Arrays.stream(line.trim().split(" ")).mapToLong(Long::parseLong)
          .toArray();
    }
  }

  private static MegatronIndex read(Path idx) throws IOException {
    try (FileChannel channel = FileChannel.open(idx)) {
      return MegatronIndex.read(PositionalReader.of(channel), idx.toString());
    }
  }

  private static void validate(Path idx, long binSize) throws IOException {
    try (FileChannel channel = FileChannel.open(idx)) {
      MegatronIndex.readAndValidate(PositionalReader.of(channel), idx.toString(), binSize);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"u16", "i32", "mm", "empty"})
  void readsWhatMegatronsWriterWrote(String name) throws IOException {
    Expected e = Expected.of(name);
    Path idx = dir.resolve(name + ".idx");
    try (FileChannel channel = FileChannel.open(idx)) {
      PositionalReader reader = PositionalReader.of(channel);
      MegatronIndex index = MegatronIndex.read(reader, idx.toString());
      assertEquals(e.code(), index.dtypeCode());
      assertEquals(e.itemSize(), index.itemSize());
      assertEquals(e.s(), index.sequenceCount());
      assertEquals(e.d(), index.documentCount());
      assertEquals(e.d() - 1, index.documents());
      assertEquals(e.mm(), index.hasModes());
      assertEquals(e.idxSize(), index.fileSize());
      assertEquals(e.lengthsOffset(), index.lengthsOffset());
      assertEquals(e.pointersOffset(), index.pointersOffset());
      assertEquals(e.docsOffset(), index.documentIndicesOffset());
      assertEquals(e.modesOffset(), index.modesOffset());
      assertEquals(e.s(), e.lengths().length);

      assertArrayEquals(e.lengths(), index.readLengths(reader, 0, e.s()));
      assertArrayEquals(e.pointers(), index.readPointers(reader, 0, e.s()));
      assertArrayEquals(e.docs(), index.readDocumentIndices(reader, 0, e.d()));
      if (e.mm()) {
        assertArrayEquals(e.modes(), index.readModes(reader, 0, e.s()));
      } else {
        assertThrows(IllegalStateException.class, () -> index.readModes(reader, 0, 0));
      }
      // Slices, as a task would read them, from unaligned places.
      if (e.s() > 10) {
        int from = (int) (e.s() / 3) + 1;
        int to = (int) (2 * e.s() / 3);
        assertArrayEquals(Arrays.copyOfRange(e.lengths(), from, to), index.readLengths(reader, from, to));
        assertArrayEquals(Arrays.copyOfRange(e.pointers(), from, to), index.readPointers(reader, from, to));
        int docTo = (int) e.d() - 1;
        assertArrayEquals(Arrays.copyOfRange(e.docs(), 1, docTo), index.readDocumentIndices(reader, 1, docTo));
        if (e.mm()) {
          assertArrayEquals(Arrays.copyOfRange(e.modes(), from, to), index.readModes(reader, from, to));
        }
      }
      assertThrows(IndexOutOfBoundsException.class, () -> index.readLengths(reader, 0, e.s() + 1));
      assertThrows(IndexOutOfBoundsException.class, () -> index.readDocumentIndices(reader, -1, 1));

      long binSize = Files.size(dir.resolve(name + ".bin"));
      assertEquals(e.binSize(), binSize);
      assertEquals(binSize, index.validateArrays(reader));
      index.validate(reader, binSize);
    }
  }

  // ---- refused inputs: each a corrupted copy of a good file, named for what is wrong ----

  private static Path corrupt(String from, String caseName, Consumer<ByteBuffer> change) throws IOException {
    byte[] bytes = Files.readAllBytes(dir.resolve(from + ".idx"));
    ByteBuffer buffer = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    change.accept(buffer);
    Path bad = dir.resolve("bad-" + caseName + ".idx");
    Files.write(bad, bytes);
    return bad;
  }

  private static Path resized(String from, String caseName, int delta) throws IOException {
    byte[] bytes = Files.readAllBytes(dir.resolve(from + ".idx"));
    Path bad = dir.resolve("bad-" + caseName + ".idx");
    Files.write(bad, Arrays.copyOf(bytes, bytes.length + delta));
    return bad;
  }

  private static void assertRefusedOnRead(Path bad, String... problem) {
    MegatronFormatException e = assertThrows(MegatronFormatException.class, () -> read(bad));
    assertMessage(e, bad, problem);
  }

  private static void assertRefusedOnValidate(Path bad, long binSize, String... problem) throws IOException {
    read(bad); // the header is fine: only the arrays are wrong
    MegatronFormatException e = assertThrows(MegatronFormatException.class, () -> validate(bad, binSize));
    assertMessage(e, bad, problem);
  }

  private static void assertMessage(NpyFormatException e, Path bad, String... problem) {
    assertEquals(bad.toString(), e.resourceDescription());
    assertTrue(e.getMessage().startsWith(bad + ": "), e.getMessage());
    for (String part : problem) {
      assertTrue(e.getMessage().contains(part), "expected '" + part + "' in: " + e.getMessage());
    }
  }

  private static long binSize(String name) throws IOException {
    return Files.size(dir.resolve(name + ".bin"));
  }

  @Test
  void refusesWrongMagic() throws IOException {
    assertRefusedOnRead(corrupt("i32", "magic", b -> b.put(0, (byte) 'N')), "not a Megatron .idx file",
        "b'NMIDIDX\\x00\\x00'");
    assertRefusedOnRead(corrupt("i32", "magic-padding", b -> b.put(8, (byte) 1)), "not a Megatron .idx file");
    Path tiny = dir.resolve("bad-tiny.idx");
    Files.write(tiny, Arrays.copyOf(Files.readAllBytes(dir.resolve("i32.idx")), 20));
    assertRefusedOnRead(tiny, "20 bytes, fewer than the 34");
  }

  @Test
  void refusesOtherVersions() throws IOException {
    assertRefusedOnRead(corrupt("i32", "version", b -> b.putLong(9, 2)), "version 2", "only version 1");
    assertRefusedOnRead(corrupt("i32", "version-huge", b -> b.putLong(9, -1)), "version 18446744073709551615");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 9, 255})
  void refusesUnknownDtypeCodes(int code) throws IOException {
    assertRefusedOnRead(corrupt("i32", "dtype-" + code, b -> b.put(17, (byte) code)),
        "unknown Megatron dtype code " + code);
  }

  @Test
  void refusesCountsThatDisagreeWithTheSize() throws IOException {
    Expected e = Expected.of("i32");
    assertRefusedOnRead(corrupt("i32", "s-plus-1", b -> b.putLong(18, e.s() + 1)), "file has " + e.idxSize()
        + " bytes", "sequence count " + (e.s() + 1));
    assertRefusedOnRead(corrupt("i32", "d-minus-1", b -> b.putLong(26, e.d() - 1)), "document count "
        + (e.d() - 1));
    assertRefusedOnRead(corrupt("i32", "d-zero", b -> b.putLong(26, 0)), "document count is 0");
    assertRefusedOnRead(corrupt("i32", "s-huge", b -> b.putLong(18, Long.MIN_VALUE + 5)),
        "sequence count " + Long.toUnsignedString(Long.MIN_VALUE + 5), "cannot fit");
    assertRefusedOnRead(corrupt("i32", "s-overflow", b -> b.putLong(18, Long.MAX_VALUE / 8)), "cannot fit");
    assertRefusedOnRead(resized("i32", "truncated", -1), "file has " + (e.idxSize() - 1) + " bytes");
    assertRefusedOnRead(resized("i32", "one-extra", 1), "file has " + (e.idxSize() + 1) + " bytes",
        "with multimodal sequence modes");
    // Exactly S extra bytes is what modes look like; S - 1 is not.
    assertRefusedOnRead(resized("i32", "modes-short", (int) e.s() - 1), "file has");
    Expected mm = Expected.of("mm");
    assertRefusedOnRead(resized("mm", "mm-truncated", -1), "file has " + (mm.idxSize() - 1) + " bytes");
    MegatronIndex modesCut = read(resized("mm", "mm-without-modes", -(int) mm.s()));
    assertFalse(modesCut.hasModes());
  }

  @Test
  void refusesDocumentIndicesNotStartingAtZero() throws IOException {
    Expected e = Expected.of("i32");
    assertRefusedOnValidate(corrupt("i32", "docs-start", b -> b.putLong((int) e.docsOffset(), 1)),
        binSize("i32"), "document indices start at 1, not at 0");
  }

  @Test
  void refusesDecreasingDocumentIndices() throws IOException {
    Expected e = Expected.of("i32");
    int at = (int) e.d() / 2;
    long value = e.docs()[at - 1] - 1;
    assertTrue(value >= 0);
    assertRefusedOnValidate(corrupt("i32", "docs-decrease", b -> b.putLong((int) e.docsOffset() + 8 * at, value)),
        binSize("i32"), "document index " + at + " is " + value, "must not decrease");
  }

  @Test
  void refusesDocumentIndicesNotEndingAtS() throws IOException {
    Expected e = Expected.of("i32");
    int last = (int) e.d() - 1;
    assertRefusedOnValidate(corrupt("i32", "docs-end-short",
        b -> b.putLong((int) e.docsOffset() + 8 * last, e.s() - 1)), binSize("i32"),
        "document indices end at " + (e.s() - 1) + ", not at the sequence count " + e.s());
    assertRefusedOnValidate(corrupt("i32", "docs-end-past",
        b -> b.putLong((int) e.docsOffset() + 8 * last, e.s() + 1)), binSize("i32"),
        "document index " + last + " is " + (e.s() + 1), "past the sequence count");
  }

  @Test
  void refusesPointersThatAreNotTheRunningSum() throws IOException {
    Expected e = Expected.of("i32");
    assertRefusedOnValidate(corrupt("i32", "pointer", b -> b.putLong((int) e.pointersOffset() + 8 * 5,
        e.pointers()[5] + 2)), binSize("i32"), "sequence 5 has pointer " + (e.pointers()[5] + 2),
        "make " + e.pointers()[5] + " bytes");
    // A length changed leaves the pointers after it wrong: the pointer checks find it.
    int changed = 7;
    int next = changed + 1;
    assertRefusedOnValidate(corrupt("i32", "length", b -> b.putInt((int) e.lengthsOffset() + 4 * changed,
        e.lengths()[changed] + 1)), binSize("i32"), "sequence " + next + " has pointer " + e.pointers()[next]);
    assertRefusedOnValidate(corrupt("i32", "negative-length", b -> b.putInt((int) e.lengthsOffset() + 4 * 3, -1)),
        binSize("i32"), "sequence 3 has negative length -1");
    // Past the first chunk of the streaming pass, in the large file.
    Expected u16 = Expected.of("u16");
    int far = MegatronIndex.CHUNK_ENTRIES + 4465;
    assertTrue(far < u16.s());
    assertRefusedOnValidate(corrupt("u16", "pointer-far", b -> b.putLong((int) u16.pointersOffset() + 8 * far,
        u16.pointers()[far] - 2)), binSize("u16"), "sequence " + far + " has pointer " + (u16.pointers()[far] - 2));
    // The first pointer must be 0, too.
    assertRefusedOnValidate(corrupt("i32", "pointer-first", b -> b.putLong((int) e.pointersOffset(), 4)),
        binSize("i32"), "sequence 0 has pointer 4");
  }

  @Test
  void refusesABinOfAnotherSize() throws IOException {
    Path idx = dir.resolve("u16.idx");
    long size = binSize("u16");
    MegatronFormatException e = assertThrows(MegatronFormatException.class, () -> validate(idx, size + 2));
    assertMessage(e, idx, "make " + size + " bytes of uint16 tokens", ".bin file has " + (size + 2) + " bytes");
    assertThrows(MegatronFormatException.class, () -> validate(idx, size - 1));
    assertThrows(MegatronFormatException.class, () -> validate(dir.resolve("empty.idx"), 1));
    validate(dir.resolve("empty.idx"), 0);
  }
  // ---- the Java writer ----

  private static MegatronDType dtypeOf(Expected e) {
    return MegatronDType.ofCode(e.code());
  }

  @ParameterizedTest
  @ValueSource(strings = {"u16", "i32", "mm", "empty"})
  void writesWhatMegatronsWriterWrites(String name) throws IOException {
    Expected e = Expected.of(name);
    byte[] python = Files.readAllBytes(dir.resolve(name + ".idx"));
    byte[] modes = e.mm() ? e.modes() : null;

    ByteArrayOutputStream stream = new ByteArrayOutputStream();
    long binSize = MegatronIndexWriter.write(stream, name, dtypeOf(e), e.lengths(), e.docs(), modes);
    assertEquals(e.binSize(), binSize);
    assertArrayEquals(python, stream.toByteArray());
    Files.write(dir.resolve("java-stream-" + name + ".idx"), stream.toByteArray());

    Path whole = dir.resolve("java-channel-" + name + ".idx");
    try (FileChannel channel = FileChannel.open(whole, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      assertEquals(e.binSize(), MegatronIndexWriter.write(channel, whole.toString(), dtypeOf(e), e.lengths(),
          e.docs(), modes));
      assertEquals(python.length, channel.position());
    }
    assertArrayEquals(python, Files.readAllBytes(whole));

    // Streaming as a job commit would: uneven chunks of sequences (one of them empty) and of document indices,
    // after bytes that are not the index's, so the header is written at the channel's position.
    Path appended = dir.resolve("java-append-" + name + ".idx");
    byte[] prefix = {1, 2, 3};
    try (FileChannel channel = FileChannel.open(appended, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(prefix));
      MegatronIndexWriter writer = MegatronIndexWriter.open(channel, appended.toString(), dtypeOf(e), e.s(), e.d(),
          e.mm());
      int s = (int) e.s();
      int[] cuts = {0, Math.min(s, 7), Math.min(s, 7), Math.min(s, 70_001), s};
      for (int i = 0; i + 1 < cuts.length; i++) {
        writer.appendSequences(e.lengths(), modes, cuts[i], cuts[i + 1] - cuts[i]);
      }
      int d = (int) e.d();
      int half = d / 2;
      writer.appendDocumentIndices(e.docs(), 0, half);
      writer.appendDocumentIndices(e.docs(), half, d - half);
      assertEquals(e.binSize(), writer.finish());
      assertEquals(prefix.length + python.length, channel.position());
    }
    byte[] withPrefix = Files.readAllBytes(appended);
    assertArrayEquals(prefix, Arrays.copyOf(withPrefix, prefix.length));
    assertArrayEquals(python, Arrays.copyOfRange(withPrefix, prefix.length, withPrefix.length));

    // And the reader accepts what the writer wrote.
    try (FileChannel channel = FileChannel.open(whole)) {
      MegatronIndex index = MegatronIndex.readAndValidate(PositionalReader.of(channel), whole.toString(),
          binSize(name));
      assertEquals(e.mm(), index.hasModes());
    }
  }

  @Test
  void numpysValidatorAcceptsTheJavaWritersOutput() throws IOException {
    List<String> checks = new ArrayList<>();
    for (String[] c : CASES) {
      Expected e = Expected.of(c[0]);
      Path idx = dir.resolve("java-checked-" + c[0] + ".idx");
      try (FileChannel channel = FileChannel.open(idx, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        MegatronIndexWriter.write(channel, idx.toString(), dtypeOf(e), e.lengths(), e.docs(),
            e.mm() ? e.modes() : null);
      }
      checks.add("(" + Python.literal(idx) + ", '" + c[0] + ".bin', " + c[3] + ")");
    }
    // The validator can fail: a Java-written index with one pointer off, and one checked against another .bin.
    Expected e = Expected.of("i32");
    Path bad = dir.resolve("java-checked-bad-pointer.idx");
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MegatronIndexWriter.write(out, bad.toString(), MegatronDType.INT32, e.lengths(), e.docs(), null);
    ByteBuffer bytes = ByteBuffer.wrap(out.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
    bytes.putLong((int) e.pointersOffset() + 8 * 9, e.pointers()[9] + 4);
    Files.write(bad, bytes.array());
    checks.add("(" + Python.literal(bad) + ", 'i32.bin', False)");
    checks.add("(" + Python.literal(dir.resolve("java-checked-i32.idx")) + ", 'mm.bin', False)");

    String result = Python.run(dir, MEGATRON + String.join("\n",
        "for idx, bin_path, mm in [" + String.join(", ", checks) + "]:",
        "    try:",
        "        validate(idx, bin_path, mm)",
        "        print('ok')",
        "    except AssertionError as e:",
        "        print('refused: ' + str(e))",
        ""));
    assertEquals(List.of("ok", "ok", "ok", "ok", "refused: pointers", "refused: bin size"),
        result.strip().lines().toList());
  }

  @Test
  void writerRefusesWhatTheReaderRefuses() throws IOException {
    int[] lengths = {3, 0, 5};
    assertWriteRefused(new int[] {3, -1, 5}, new long[] {0, 3}, null, "sequence 1 has negative length -1");
    assertWriteRefused(lengths, new long[] {1, 3}, null, "document indices start at 1, not at 0");
    assertWriteRefused(lengths, new long[] {0, 2, 1, 3}, null, "document index 2 is 1 after 2");
    assertWriteRefused(lengths, new long[] {0, 2}, null, "document indices end at 2, not at the sequence count 3");
    assertWriteRefused(lengths, new long[] {0, 4}, null, "document index 1 is 4");
    assertWriteRefused(lengths, new long[0], null, "no document indices");
    assertWriteRefused(lengths, new long[] {0, 3}, new byte[2], "2 modes for 3 sequences");

    Path idx = dir.resolve("java-refused-stream.idx");
    try (FileChannel channel = FileChannel.open(idx, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      MegatronIndexWriter writer = MegatronIndexWriter.open(channel, idx.toString(), MegatronDType.UINT16, 3, 2,
          false);
      assertThrows(IllegalArgumentException.class, () -> writer.appendSequences(lengths, new byte[3], 0, 3));
      writer.appendSequences(lengths, null, 0, 2);
      assertThrows(IllegalStateException.class, () -> writer.appendSequences(lengths, null, 0, 2));
      assertThrows(IllegalStateException.class, writer::finish);
      writer.appendSequences(lengths, null, 2, 1);
      assertThrows(IllegalArgumentException.class, () -> writer.appendDocumentIndices(new long[] {0, 2}, 1, 1));
      writer.appendDocumentIndices(new long[] {0, 2}, 0, 2);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, writer::finish);
      assertTrue(e.getMessage().startsWith(idx + ": document indices end at 2"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> MegatronIndexWriter.open(null, "x", MegatronDType.UINT8, 0,
        0, false));
  }

  private static void assertWriteRefused(int[] lengths, long[] docs, byte[] modes, String problem) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MegatronIndexWriter.write(out, "refused.idx", MegatronDType.UINT16, lengths, docs, modes));
    assertTrue(e.getMessage().startsWith("refused.idx: ") && e.getMessage().contains(problem), e.getMessage());
    assertEquals(0, out.size(), "nothing written before the refusal");
  }
}
