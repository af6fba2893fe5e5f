package io.sparkmemmap.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.format.NpzDirectory.Entry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NpzDirectoryTest {
  private static Path dir;
  /** The array names numpy saved, in archive order. */
  private static List<String> keys;

  /** Where a corruption must be noticed. */
  enum Stage { DIRECTORY, DATA_OFFSET, READING }

  @BeforeAll
  static void writeWithNumpy(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    String out = Python.run(dir, String.join("\n",
        "import sys, zipfile",
        "import numpy as np",
        "sys.stdout.reconfigure(encoding='utf-8')",
        "arrays = {",
        "    'a': np.arange(10, dtype='<i8'),",
        "    'b': np.asfortranarray(np.arange(6, dtype='>f4').reshape(2, 3)),",
        "    '\u6e29\u5ea6': np.array([1.5, 2.5]),",
        "    'empty': np.zeros((0, 3)),",
        "    'big': np.arange(100000, dtype='<f8'),",
        "    'rec': np.array([(1, (2.0, 3.0))], dtype=[('t', '<i8'), ('x', '<f4', (2,))]),",
        "}",
        "np.savez('stored.npz', **arrays)",
        "np.savez_compressed('deflated.npz', **arrays)",
        "z = zipfile.ZipFile('stored.npz')",
        "for i, k in enumerate(arrays):",
        "    open('data%d.bin' % i, 'wb').write(arrays[k].tobytes(order='A'))",
        "    open('entry%d.bin' % i, 'wb').write(z.read(k + '.npy'))",
        "    print(k)",
        ""));
    keys = List.of(out.strip().split("\n"));
  }

  private static NpzDirectory open(Path path, FileChannel channel) throws IOException {
    return NpzDirectory.read(PositionalReader.of(channel), path.toString());
  }

  @Test
  void storedEntriesCanBeMappedAtTheirDataOffset() throws Exception {
    Path path = dir.resolve("stored.npz");
    try (FileChannel channel = FileChannel.open(path)) {
      PositionalReader reader = PositionalReader.of(channel);
      NpzDirectory npz = NpzDirectory.read(reader, path.toString());
      assertEquals(keys.stream().map(k -> k + ".npy").toList(), npz.entries().stream().map(Entry::name).toList());
      for (int i = 0; i < keys.size(); i++) {
        Entry entry = npz.entries().get(i);
        assertTrue(entry.isStored());
        assertEquals(keys.get(i), entry.arrayName());
        long offset = npz.dataOffset(entry);
        NpyHeader header = NpyHeader.read(reader.openStream(offset, entry.compressedSize()), npz.describe(entry));
        assertEquals(entry.uncompressedSize(), header.dataOffset() + header.dataLength());
        byte[] data = new byte[(int) header.dataLength()];
        reader.readFully(offset + header.dataOffset(), data, 0, data.length);
        assertArrayEquals(Files.readAllBytes(dir.resolve("data" + i + ".bin")), data, keys.get(i));
        try (InputStream content = npz.openEntry(entry)) {
          assertArrayEquals(Files.readAllBytes(dir.resolve("entry" + i + ".bin")), content.readAllBytes());
        }
      }
      assertTrue(((StructDType) NpyHeader.read(npz.openEntry(npz.entry("rec.npy").orElseThrow()), "rec").dtype())
          .fields().get(1).shape().equals(Shape.of(2)));
    }
  }

  @Test
  void numpyWritesZip64ExtraFieldsInLocalHeaders() throws Exception {
    byte[] zip = Files.readAllBytes(dir.resolve("stored.npz"));
    ByteBuffer local = ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(-1, local.getInt(18), "compressed size deferred to the ZIP64 extra field");
    assertEquals(20, local.getShort(28), "extra field length");
    assertEquals(1, local.getShort(30 + local.getShort(26)), "ZIP64 extra id");
  }

  @Test
  void deflatedEntriesAreStreamed() throws Exception {
    Path path = dir.resolve("deflated.npz");
    try (FileChannel channel = FileChannel.open(path)) {
      NpzDirectory npz = open(path, channel);
      assertEquals(keys.size(), npz.entries().size());
      for (int i = 0; i < keys.size(); i++) {
        Entry entry = npz.entry(keys.get(i) + ".npy").orElseThrow();
        assertEquals(NpzDirectory.DEFLATED, entry.method());
        assertFalse(entry.isStored());
        byte[] expected = Files.readAllBytes(dir.resolve("entry" + i + ".bin"));
        assertEquals(expected.length, entry.uncompressedSize());
        try (InputStream content = npz.openEntry(entry)) {
          assertArrayEquals(expected, content.readAllBytes(), keys.get(i));
        }
        try (InputStream content = npz.openEntry(entry)) {
          NpyHeader header = NpyHeader.read(content, npz.describe(entry));
          byte[] data = content.readAllBytes();
          assertArrayEquals(Files.readAllBytes(dir.resolve("data" + i + ".bin")), data);
          assertEquals(header.dataLength(), data.length);
        }
      }
    }
  }

  /** ZIP64 end record and locator, and ZIP64 extra fields in central records: built here, checked by Python. */
  @Test
  void readsZip64EndRecordsAndCentralExtraFieldsAsPythonDoes() throws Exception {
    byte[] a = Files.readAllBytes(dir.resolve("entry0.bin"));
    byte[] unicode = Files.readAllBytes(dir.resolve("entry2.bin"));
    byte[] big = Files.readAllBytes(dir.resolve("entry4.bin"));
    byte[] zip = new ZipBuilder().zip64()
        .add("a.npy", a, false).add("\u6e29\u5ea6.npy", unicode, true).add("big.npy", big, false).build();
    Path path = dir.resolve("zip64.npz");
    Files.write(path, zip);
    String python = Python.run(dir, String.join("\n",
        "import sys, zipfile",
        "import numpy as np",
        "sys.stdout.reconfigure(encoding='utf-8')",
        "z = zipfile.ZipFile('zip64.npz')",
        "assert z.testzip() is None",
        "for i in z.infolist():",
        "    print(i.filename, i.compress_type, i.compress_size, i.file_size, i.header_offset, i.CRC)",
        "npz = np.load('zip64.npz')",
        "print(npz['a'].tolist(), npz['\u6e29\u5ea6'].tolist(), npz['big'].sum())",
        ""));
    try (FileChannel channel = FileChannel.open(path)) {
      NpzDirectory npz = open(path, channel);
      List<String> described = new ArrayList<>();
      for (Entry e : npz.entries()) {
        described.add(e.name() + " " + e.method() + " " + e.compressedSize() + " " + e.uncompressedSize() + " "
            + e.localHeaderOffset() + " " + e.crc32());
      }
      described.add("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9] [1.5, 2.5] 4999950000.0");
      assertEquals(String.join("\n", described), python.strip());
      Entry bigEntry = npz.entry("big.npy").orElseThrow();
      long offset = npz.dataOffset(bigEntry);
      byte[] stored = new byte[big.length];
      PositionalReader.of(channel).readFully(offset, stored, 0, stored.length);
      assertArrayEquals(big, stored);
      try (InputStream in = npz.openEntry(npz.entry("\u6e29\u5ea6.npy").orElseThrow())) {
        assertArrayEquals(unicode, in.readAllBytes());
      }
    }
  }

  @Test
  void shiftsOffsetsPastAPrependedStubAsPythonDoes() throws Exception {
    byte[] a = Files.readAllBytes(dir.resolve("entry0.bin"));
    byte[] stub = "#!/bin/sh\necho self-extracting\nexit 0\n".repeat(20).getBytes(StandardCharsets.US_ASCII);
    for (boolean zip64 : new boolean[] {false, true}) {
      ZipBuilder builder = new ZipBuilder().prefix(stub).add("a.npy", a, false);
      byte[] zip = (zip64 ? builder.zip64() : builder).build();
      Path path = dir.resolve("stub" + zip64 + ".npz");
      Files.write(path, zip);
      // np.load sniffs the first bytes for a zip, so Python's zipfile reads the archive behind the stub
      assertEquals("[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]", Python.run(dir, "import io, zipfile\nimport numpy as np\n"
          + "z = zipfile.ZipFile('" + path.getFileName() + "')\nassert z.testzip() is None\n"
          + "print(np.load(io.BytesIO(z.read('a.npy'))).tolist())\n").strip());
      try (FileChannel channel = FileChannel.open(path)) {
        NpzDirectory npz = open(path, channel);
        Entry entry = npz.entries().get(0);
        assertEquals(stub.length, entry.localHeaderOffset());
        byte[] content = new byte[a.length];
        PositionalReader.of(channel).readFully(npz.dataOffset(entry), content, 0, content.length);
        assertArrayEquals(a, content);
      }
    }
  }

  @Test
  void findsEntriesByNameAndDescribesThem() throws Exception {
    Path path = dir.resolve("stored.npz");
    try (FileChannel channel = FileChannel.open(path)) {
      NpzDirectory npz = open(path, channel);
      Entry entry = npz.entry("\u6e29\u5ea6.npy").orElseThrow();
      assertEquals("\u6e29\u5ea6", entry.arrayName());
      assertEquals(path + ", entry '\u6e29\u5ea6.npy'", npz.describe(entry));
      assertTrue(npz.entry("missing.npy").isEmpty());
      assertTrue(npz.entry("a").isEmpty());
    }
  }

  @Test
  void rangeStreamsReadSkipAndStopAtTheirEnd() throws Exception {
    byte[] bytes = Files.readAllBytes(dir.resolve("entry4.bin"));
    try (FileChannel channel = FileChannel.open(dir.resolve("entry4.bin"))) {
      int start = 100;
      int length = 200_000;
      InputStream in = PositionalReader.of(channel).openStream(start, length);
      assertEquals(bytes[start] & 0xFF, in.read());
      assertEquals(1000, in.skip(1000));
      int position = start + 1001;
      byte[] chunk = new byte[100_000];
      int restOfBuffer = 64 * 1024 - 1001;
      assertEquals(restOfBuffer, in.read(chunk, 0, chunk.length), "a read ends at the end of the buffer");
      assertArrayEquals(Arrays.copyOfRange(bytes, position, position + restOfBuffer),
          Arrays.copyOf(chunk, restOfBuffer));
      position += restOfBuffer;
      assertEquals(chunk.length, in.readNBytes(chunk, 0, chunk.length));
      assertArrayEquals(Arrays.copyOfRange(bytes, position, position + chunk.length), chunk);
      position += chunk.length;
      assertArrayEquals(Arrays.copyOfRange(bytes, position, start + length), in.readAllBytes());
      assertEquals(-1, in.read());
    }
  }

  static Stream<Arguments> corruptions() {
    return Stream.of(
        corrupt("empty file", "stored.npz", z -> new byte[0], Stage.DIRECTORY, "not a zip archive: 0 bytes"),
        corrupt("a .npy, not a zip", "entry0.bin", z -> z, Stage.DIRECTORY, "no end of central directory record"),
        corrupt("end record cut off", "stored.npz", z -> Arrays.copyOf(z, z.length - 10), Stage.DIRECTORY,
            "no end of central directory record"),
        corrupt("truncated in the middle", "stored.npz",
            z -> NpyHeaderTest.concat(Arrays.copyOf(z, z.length / 2), Arrays.copyOfRange(z, z.length - 22, z.length)),
            Stage.DIRECTORY, "runs past its end record"),
        corrupt("directory offset beyond the file", "stored.npz", z -> putInt(z, eocd(z) + 16, 0x7FFF_FFF0),
            Stage.DIRECTORY, "runs past its end record"),
        corrupt("directory size beyond the file", "stored.npz", z -> putInt(z, eocd(z) + 12, -1),
            Stage.DIRECTORY, "runs past its end record"),
        corrupt("more entries than the directory holds", "stored.npz",
            z -> putShort(putShort(z, eocd(z) + 8, 0xFFFF), eocd(z) + 10, 0xFFFF), Stage.DIRECTORY,
            "claims 65535 entries"),
        corrupt("multi-volume", "stored.npz", z -> putShort(z, eocd(z) + 4, 1), Stage.DIRECTORY, "multi-volume"),
        corrupt("bad central record signature", "stored.npz", z -> putInt(z, directory(z), 0x12345678),
            Stage.DIRECTORY, "bad central directory record at offset"),
        corrupt("central record longer than the directory", "stored.npz",
            z -> putShort(z, directory(z) + 28, 0xFFFF), Stage.DIRECTORY, "runs past the directory"),
        corrupt("stored sizes disagree", "stored.npz", z -> putInt(z, directory(z) + 24, 1000), Stage.DIRECTORY,
            "bytes claims 1000 uncompressed bytes"),
        corrupt("local header offset in the directory", "stored.npz",
            z -> putInt(z, directory(z) + 42, directory(z)), Stage.DIRECTORY, "lies beyond the entries"),
        corrupt("ZIP64 locator to nowhere", "zip64", z -> putInt(z, z.length - 22 - 20 - 56, 0), Stage.DIRECTORY,
            "the ZIP64 locator points to no ZIP64 end record"),
        corrupt("no local header", "stored.npz", z -> putInt(z, 0, 0), Stage.DATA_OFFSET,
            "no local file header at offset 0"),
        corrupt("local name differs", "stored.npz", z -> flip(z, 30, 'a' ^ 'x'), Stage.DATA_OFFSET,
            "the local header names the entry 'x.npy'"),
        corrupt("local sizes disagree", "stored.npz", z -> putInt(z, 30 + 5 + 4, 167), Stage.DATA_OFFSET,
            "the local header gives sizes"),
        corrupt("local extra field malformed", "stored.npz", z -> putShort(z, 28, 0xFFFF), Stage.DATA_OFFSET,
            "an extra field of 61440 bytes runs past its record"),
        corrupt("local extra runs into the directory", "zip64", z -> putShort(z, 28, 0xFFFF), Stage.DATA_OFFSET,
            "run into the central directory at"),
        corrupt("stored byte flipped", "stored.npz", z -> flip(z, 30 + 5 + 20 + 130, 0x5A), Stage.READING,
            "fails its CRC-32 check"),
        corrupt("deflated stream damaged", "deflated.npz", z -> flipRange(z, 30 + 5 + 20 + 10, 40), Stage.READING,
            "corrupt"));
  }

  private static Arguments corrupt(String name, String file, UnaryOperator<byte[]> damage, Stage stage,
      String expected) {
    return Arguments.of(name, file, damage, stage, expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corruptions")
  void refusesCorruptArchivesNamingThem(String name, String file, UnaryOperator<byte[]> damage, Stage stage,
      String expected) throws Exception {
    byte[] original = file.equals("zip64")
        ? new ZipBuilder().zip64().add("a.npy", Files.readAllBytes(dir.resolve("entry0.bin")), false).build()
        : Files.readAllBytes(dir.resolve(file));
    Path path = dir.resolve("corrupt-" + name.replace(' ', '-') + ".npz");
    Files.write(path, damage.apply(original.clone()));
    try (FileChannel channel = FileChannel.open(path)) {
      NpyFormatException e = assertThrows(NpyFormatException.class, () -> {
        NpzDirectory npz = open(path, channel);
        assertTrue(stage != Stage.DIRECTORY, "the directory read without error");
        Entry first = npz.entries().get(0);
        npz.dataOffset(first);
        assertTrue(stage != Stage.DATA_OFFSET, "the data offset was found without error");
        try (InputStream in = npz.openEntry(first)) {
          in.readAllBytes();
        }
      });
      assertTrue(e.getMessage().startsWith(path.toString()), e.getMessage());
      assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
      if (stage != Stage.DIRECTORY) {
        assertTrue(e.getMessage().startsWith(path + ", entry '"), e.getMessage());
      }
    }
  }

  private static int eocd(byte[] zip) {
    return zip.length - 22;
  }

  private static int directory(byte[] zip) {
    return ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).getInt(eocd(zip) + 16);
  }

  private static byte[] putInt(byte[] zip, int at, int value) {
    ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).putInt(at, value);
    return zip;
  }

  private static byte[] putShort(byte[] zip, int at, int value) {
    ByteBuffer.wrap(zip).order(ByteOrder.LITTLE_ENDIAN).putShort(at, (short) value);
    return zip;
  }

  private static byte[] flip(byte[] zip, int at, int bits) {
    zip[at] ^= (byte) bits;
    return zip;
  }

  private static byte[] flipRange(byte[] zip, int from, int length) {
    for (int i = from; i < from + length; i++) {
      zip[i] ^= (byte) (i * 31 + 7);
    }
    return zip;
  }
}
