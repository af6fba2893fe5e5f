package io.sparkmemmap.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class NpyHeaderTest {
  private static final String RESOURCE = "/data/bad.npy";

  /** A header as some writer made it: the text padded with spaces to a multiple of {@code align}, then a newline. */
  static byte[] handWritten(int major, int minor, String text, int align, Charset charset) {
    byte[] body = text.getBytes(charset);
    int prefix = major == 1 ? 10 : 12;
    int unpadded = prefix + body.length + 1;
    int pad = (align - unpadded % align) % align;
    ByteBuffer out = ByteBuffer.allocate(unpadded + pad).order(ByteOrder.LITTLE_ENDIAN);
    out.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, (byte) minor});
    if (major == 1) {
      out.putShort((short) (body.length + 1 + pad));
    } else {
      out.putInt(body.length + 1 + pad);
    }
    out.put(body).put(" ".repeat(pad).getBytes(StandardCharsets.US_ASCII)).put((byte) '\n');
    return out.array();
  }

  static byte[] handWritten(String text) {
    return handWritten(1, 0, text, 64, StandardCharsets.ISO_8859_1);
  }

  private static NpyHeader read(byte[] bytes) throws IOException {
    return NpyHeader.read(new ByteArrayInputStream(bytes), RESOURCE);
  }

  @Test
  void encodesTheDocumentedExample() throws IOException {
    byte[] header = NpyHeader.encode(NumpyDescr.parse("<f4"), false, Shape.of(3, 4));
    assertEquals(128, header.length);
    assertEquals(118, ByteBuffer.wrap(header, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort());
    String text = new String(header, 10, 118, StandardCharsets.ISO_8859_1);
    assertEquals("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }" + " ".repeat(58) + "\n", text);
    NpyHeader parsed = read(header);
    assertEquals(NpyHeader.Version.V1_0, parsed.version());
    assertEquals(128, parsed.dataOffset());
    assertEquals(48, parsed.dataLength());
  }

  @Test
  void leavesTheStreamAtTheFirstDataByte() throws IOException {
    byte[] header = NpyHeader.encode(NumpyDescr.parse("|u1"), false, Shape.of(2));
    InputStream in = new ByteArrayInputStream(concat(header, new byte[] {42, 43}));
    NpyHeader.read(in, RESOURCE);
    assertEquals(42, in.read());
  }

  @Test
  void readsHeadersOfOldNumpyAndPython2() throws IOException {
    NpyHeader old = read(handWritten(1, 0, "{'descr': '<i8', 'fortran_order': False, 'shape': (3L, 4L), }", 16,
        StandardCharsets.ISO_8859_1));
    assertEquals(Shape.of(3, 4), old.shape());
    assertEquals(0, old.dataOffset() % 16);
    NpyHeader reordered = read(handWritten("{'shape': (7,), 'fortran_order': True, 'descr': 'float32'}"));
    assertEquals(NumpyDescr.parse("<f4"), reordered.dtype());
    assertTrue(reordered.fortranOrder());
    NpyHeader native_ = read(handWritten("{'descr':'=f8','fortran_order':False,'shape':()}"));
    assertEquals(Shape.scalar(), native_.shape());
    assertEquals(ScalarDType.of(DTypeKind.FLOAT, Endian.nativeOrder(), 8), native_.dtype());
    NpyHeader unicodeNames = read(handWritten("{'descr': [(u'a', '<i8')], 'fortran_order': False, 'shape': (3,)}"));
    assertEquals("a", ((StructDType) unicodeNames.dtype()).fields().get(0).name());
  }

  /** The leniency is numpy's: numpy reads each of these hand-written headers the same way. */
  @Test
  void numpyReadsHandWrittenHeadersTheSameWay(@TempDir Path dir) throws Exception {
    List<byte[]> files = List.of(
        handWritten(1, 0, "{'descr': '<i8', 'fortran_order': False, 'shape': (3L, 2L), }", 16,
            StandardCharsets.ISO_8859_1),
        handWritten("{'shape': (2, 3), 'fortran_order': True, 'descr': 'float32'}"),
        handWritten("{'descr':'=f8','fortran_order':False,'shape':()}"),
        handWritten(2, 0, "{'descr': [(u'a', '<i8'), ('b', '>f4', (2,))], 'fortran_order': False, 'shape': (3,)}",
            16, StandardCharsets.ISO_8859_1),
        handWritten(3, 0, "{'descr': [('\u6e29', 'i4,f8')], 'fortran_order': False, 'shape': (1,)}", 64,
            StandardCharsets.UTF_8));
    StringBuilder script = new StringBuilder("import numpy as np, warnings\nwarnings.simplefilter('ignore')\n"
        + "from numpy.lib import format as F\nimport sys\nsys.stdout.reconfigure(encoding='utf-8')\n");
    for (int i = 0; i < files.size(); i++) {
      NpyHeader header = read(files.get(i));
      Files.write(dir.resolve(i + ".npy"), concat(files.get(i), new byte[(int) header.dataLength()]));
      script.append("a = np.load('").append(i).append(".npy')\n")
          .append("print(repr(F.dtype_to_descr(a.dtype)), repr(a.shape), F.header_data_from_array_1_0(a)"
              + "['fortran_order'] if a.ndim > 1 else False, sep='|')\n");
    }
    String[] lines = Python.run(dir, script.toString()).split("\n");
    for (int i = 0; i < files.size(); i++) {
      NpyHeader header = read(files.get(i));
      String fortran = header.shape().rank() > 1 && header.fortranOrder() ? "True" : "False";
      assertEquals(lines[i], NumpyDescr.toDescr(header.dtype()) + "|" + header.shape() + "|" + fortran);
    }
  }

  @Test
  void choosesVersionsAsNumpyDoes() throws IOException {
    List<String> fields = new ArrayList<>();
    for (int i = 0; i < 4000; i++) {
      fields.add("('field_" + i + "', '<f4')");
    }
    DType wide = NumpyDescr.parse("[" + String.join(", ", fields) + "]");
    NpyHeader v2 = read(NpyHeader.encode(wide, false, Shape.of(1)));
    assertEquals(NpyHeader.Version.V2_0, v2.version());
    assertEquals(wide, v2.dtype());
    NpyHeader v3 = read(NpyHeader.encode(NumpyDescr.parse("[('\u6e29\u5ea6', '<f4')]"), false, Shape.of(1)));
    assertEquals(NpyHeader.Version.V3_0, v3.version());
    assertEquals("\u6e29\u5ea6", ((StructDType) v3.dtype()).fields().get(0).name());
    NpyHeader latin1 = read(NpyHeader.encode(NumpyDescr.parse("[('\u00e9', '<f4')]"), false, Shape.of(1)));
    assertEquals(NpyHeader.Version.V1_0, latin1.version());
  }

  @Test
  void padsWithSixtyFourSpacesWhenTheTextLandsOnTheBoundary() throws IOException {
    String empty = "{'descr': [('', '<f4')], 'fortran_order': False, 'shape': (2,), }" + " ".repeat(20);
    int nameLength = 64 - (10 + empty.length() + 1) % 64;
    byte[] header = NpyHeader.encode(NumpyDescr.parse("[('" + "a".repeat(nameLength) + "', '<f4')]"), false,
        Shape.of(2));
    int textEnd = 10 + empty.length() + nameLength;
    assertEquals(0, (textEnd + 1) % 64);
    assertEquals(textEnd + 64 + 1, header.length);
    assertEquals(" ".repeat(64) + "\n", new String(header, textEnd, 65, StandardCharsets.ISO_8859_1));
  }

  @Test
  void zeroDimensionalHeadersHaveNoGrowthSpace() throws IOException {
    byte[] header = NpyHeader.encode(NumpyDescr.parse("<f8"), false, Shape.scalar());
    String text = new String(header, 10, header.length - 10, StandardCharsets.ISO_8859_1);
    assertTrue(text.startsWith("{'descr': '<f8', 'fortran_order': False, 'shape': (), }  "), text);
    assertEquals(Shape.scalar(), read(header).shape());
    assertEquals(8, read(header).dataLength());
  }

  @Test
  void rewritesTheShapeInPlaceAsNumpyWouldWriteIt() throws IOException {
    DType dtype = NumpyDescr.parse("[('t', '<i8'), ('x', '<f4', (3,))]");
    NpyHeader small = read(NpyHeader.encode(dtype, false, Shape.of(3)));
    Shape grown = Shape.of(123_456_789_012_345L);
    byte[] rewritten = small.encodeInPlace(grown).orElseThrow();
    assertEquals(small.dataOffset(), rewritten.length);
    assertArrayEquals(NpyHeader.encode(dtype, false, grown), rewritten);
    assertEquals(grown, read(rewritten).shape());

    NpyHeader fortran = read(NpyHeader.encode(dtype, true, Shape.of(2, 5)));
    assertArrayEquals(NpyHeader.encode(dtype, true, Shape.of(2, 5_000_000)),
        fortran.encodeInPlace(Shape.of(2, 5_000_000)).orElseThrow());
  }

  @Test
  void reportsWhenTheNewShapeDoesNotFit() throws IOException {
    NpyHeader tight = read(handWritten(1, 0, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 1,
        StandardCharsets.ISO_8859_1));
    assertTrue(tight.encodeInPlace(Shape.of(3)).isPresent());
    assertFalse(tight.encodeInPlace(Shape.of(30)).isPresent());
    NpyHeader numpys = read(NpyHeader.encode(NumpyDescr.parse("<f4"), false, Shape.of(3)));
    long[] manyAxes = new long[40];
    Arrays.fill(manyAxes, 1);
    assertFalse(numpys.encodeInPlace(Shape.of(manyAxes)).isPresent());
  }

  /** An array written with our header, grown in place and rewritten, is what numpy then loads. */
  @Test
  void numpyLoadsAnArrayAppendedInPlace(@TempDir Path dir) throws Exception {
    DType dtype = NumpyDescr.parse("<i4");
    byte[] header = NpyHeader.encode(dtype, false, Shape.of(2, 2));
    ByteBuffer data = ByteBuffer.allocate(4 * 6).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 6; i++) {
      data.putInt(i * 10);
    }
    byte[] rewritten = read(header).encodeInPlace(Shape.of(3, 2)).orElseThrow();
    Files.write(dir.resolve("grown.npy"), concat(rewritten, data.array()));
    String out = Python.run(dir, "import numpy as np\nprint(np.load('grown.npy', mmap_mode='r').tolist())\n");
    assertEquals("[[0, 10], [20, 30], [40, 50]]", out.strip());
  }

  @Test
  void refusesToEncodeObjects() {
    assertThrows(IllegalArgumentException.class, () -> NpyHeader.encode(NumpyDescr.parse("O"), false, Shape.of(1)));
  }

  static Stream<Arguments> malformed() {
    return MalformedNpyFiles.cases().stream().map(c -> Arguments.of(c.name(), c.bytes(), c.problem()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void refusesMalformedHeadersNamingTheFile(String name, byte[] bytes, String expected) {
    NpyFormatException e = assertThrows(NpyFormatException.class, () -> read(bytes));
    assertTrue(e.getMessage().startsWith(RESOURCE + ": "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), "expected '" + expected + "' in: " + e.getMessage());
    assertEquals(RESOURCE, e.resourceDescription());
  }

  @Test
  void objectDtypeIsReadForTheCallerToRefuse() throws IOException {
    NpyHeader header = read(
        handWritten("{'descr': [('a', '<i4'), ('o', '|O')], 'fortran_order': False, 'shape': (2,)}"));
    assertTrue(header.dtype().containsObject());
  }

  @Test
  void headerBoundIsConfigurable() throws IOException {
    byte[] big = NpyHeader.encode(NumpyDescr.parse("<f4"), false, Shape.of(3));
    NpyFormatException e = assertThrows(NpyFormatException.class,
        () -> NpyHeader.read(new ByteArrayInputStream(big), RESOURCE, 100));
    assertTrue(e.getMessage().contains("header of 118 bytes exceeds the limit of 100 bytes"), e.getMessage());
    assertEquals(Shape.of(3), NpyHeader.read(new ByteArrayInputStream(big), RESOURCE, 118).shape());
    assertThrows(IllegalArgumentException.class,
        () -> NpyHeader.read(new ByteArrayInputStream(big), RESOURCE, Integer.MAX_VALUE));
  }

  static byte[] concat(byte[] a, byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(a);
    out.writeBytes(b);
    return out.toByteArray();
  }
}
