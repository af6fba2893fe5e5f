package io.sparkmemmap.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real NumPy writes a {@code .npy} for each case; the Java writer must produce the same header bytes, and the Java
 * reader the same dtype, shape and order as NumPy reports. A case whose expression is a dict is written with numpy's
 * own header writer alone (what {@code np.save} calls), for shapes too big to allocate.
 */
class NpyNumpyCrossCheckTest {

  private static final List<String[]> CASES = List.of(
      c("f4 little 2-D", "np.arange(12, dtype='<f4').reshape(3, 4)"),
      c("f4 big", "np.arange(5, dtype='>f4')"),
      c("f8 little", "np.linspace(0, 1, 7)"),
      c("f8 big", "np.arange(3, dtype='>f8')"),
      c("f2 little", "np.arange(4, dtype='<f2')"),
      c("f2 big", "np.arange(4, dtype='>f2')"),
      c("i1", "np.arange(-3, 3, dtype='i1')"),
      c("u1", "np.arange(250, 256, dtype='u1')"),
      c("i2 little", "np.arange(3, dtype='<i2')"),
      c("i2 big", "np.arange(3, dtype='>i2')"),
      c("i4 little", "np.arange(3, dtype='<i4')"),
      c("i4 big", "np.arange(3, dtype='>i4')"),
      c("i8 little", "np.arange(3, dtype='<i8')"),
      c("i8 big", "np.arange(3, dtype='>i8')"),
      c("u2 big", "np.arange(3, dtype='>u2')"),
      c("u4 little", "np.arange(3, dtype='<u4')"),
      c("u8 big", "np.arange(3, dtype='>u8')"),
      c("bool", "np.array([True, False, True])"),
      c("c8 little", "np.array([1+2j, 3-4j], dtype='<c8')"),
      c("c16 big", "np.array([1+2j], dtype='>c16')"),
      c("M8[ns]", "np.array(['2020-01-01T00:00:00.123456789', 'NaT'], dtype='M8[ns]')"),
      c("M8[D] big", "np.arange('2000-01-01', '2000-01-05', dtype='M8[D]').astype('>M8[D]')"),
      c("M8[10ms]", "np.array([0, 5], dtype='<M8[10ms]')"),
      c("m8[s] big", "np.array([1, -2], dtype='>m8[s]')"),
      c("m8[7D]", "np.array([3], dtype='m8[7D]')"),
      c("M8[Y]", "np.array(['1999', '2024'], dtype='M8[Y]')"),
      c("M8 generic", "np.array(['NaT', 'NaT'], dtype='M8')"),
      c("m8[as]", "np.array([1], dtype='m8[as]')"),
      c("S16", "np.array([b'abc', b''], dtype='S16')"),
      c("U8 little", "np.array(['h\u00e9llo', '\u6e29\u5ea6'], dtype='<U8')"),
      c("U3 big", "np.array(['abc'], dtype='>U3')"),
      c("V4", "np.zeros(3, dtype='V4')"),
      c("struct with subarray", "np.zeros(4, [('t', '<i8'), ('x', '<f4', (3,))])"),
      c("struct nested", "np.zeros(2, [('a', [('b', '>i2'), ('c', [('d', 'u1', (2,))])]), ('e', '<c8')])"),
      c("struct subarray of struct", "np.zeros(2, [('p', [('x', '<f4'), ('y', '<f4')], (2, 3))])"),
      c("struct aligned with padding", "np.zeros(3, np.dtype([('a', 'u1'), ('b', '<f8'), ('c', 'u1')], align=True))"),
      c("struct offsets and trailing padding", "np.zeros(2, np.dtype({'names': ['a', 'b'], 'formats': ['u1', '<i4'],"
          + " 'offsets': [0, 8], 'itemsize': 16}))"),
      c("struct titled", "np.zeros(2, [(('Temperature (C)', 'temp'), '<f4'), ('n', '<i2')])"),
      c("struct latin-1 and quoted names", "np.zeros(2, [('\u00e9', '<f4'), (\"it's\", '<i2'), ('say \"hi\"', 'u1'),"
          + " ('tab\\there', 'u1'), ('both \\' and \"', 'u1')])"),
      c("struct unicode names (v3)", "np.zeros(2, [('\u6e29\u5ea6', '<f4'), ('\\U0001F600', '>i4')])"),
      c("struct of S, U, datetime, bool", "np.zeros(2, [('s', 'S5'), ('u', '>U2'), ('t', '<M8[us]'),"
          + " ('d', '>m8[h]'), ('b', '?')])"),
      c("struct with an object field", "np.array([(1, 'x')], dtype=[('a', '<i4'), ('o', 'O')])"),
      c("object array", "np.array([1, 'a'], dtype=object)"),
      c("struct of 4000 fields (v2)", "np.zeros(1, [('field_%05d' % i, '<f4') for i in range(4000)])"),
      c("struct of 3000 unicode fields (v3 over 64 KiB)",
          "np.zeros(1, [('\u6e29_%05d' % i, '<f4') for i in range(3000)])"),
      c("header landing on 64 (pad of 64)", "np.zeros(2, [('a' * (64 - (10 + len(\"{'descr': [('', '<f4')], "
          + "'fortran_order': False, 'shape': (2,), }\") + 20 + 1) % 64), '<f4')])"),
      // growth spaces and padding are both spaces: only a header one byte short of the boundary tells their count
      c("header one byte short of 64 (pad of 1)", "np.zeros(2, [('b' * ((63 - (10 + len(\"{'descr': [('', '<f4')], "
          + "'fortran_order': False, 'shape': (2,), }\") + 20 + 1)) % 64), '<f4')])"),
      c("F-order header with pad of 1", "np.asfortranarray(np.zeros((2, 3), [('c' * ((63 - (10 + len(\"{'descr': "
          + "[('', '<f4')], 'fortran_order': True, 'shape': (2, 3), }\") + 20 + 1)) % 64), '<f4')]))"),
      c("0-d float", "np.array(3.5)"),
      c("0-d struct", "np.zeros((), [('a', '<i4'), ('b', '>f8')])"),
      c("0-d big-endian int", "np.array(1, dtype='>i2')"),
      c("empty 1-D", "np.zeros((0,), '<f4')"),
      c("empty axis 0", "np.zeros((0, 5), '>i8')"),
      c("empty axis 1", "np.zeros((3, 0), 'u1')"),
      c("empty struct dtype", "np.zeros(3, dtype=[])"),
      c("F order 2-D", "np.asfortranarray(np.arange(6, dtype='<i4').reshape(2, 3))"),
      c("F order 3-D", "np.asfortranarray(np.zeros((2, 3, 1234), '>f8'))"),
      c("F order struct", "np.asfortranarray(np.zeros((2, 2), [('a', '<i4')]))"),
      c("many axes", "np.zeros((1, 2, 1, 2, 1, 2, 1, 1), '<f4')"),
      c("big 1-D shape", "{'descr': '<f8', 'fortran_order': False, 'shape': (123456789012345,)}"),
      c("big 2-D shape", "{'descr': '|u1', 'fortran_order': False, 'shape': (10**18, 9)}"),
      c("big F-order shape", "{'descr': '>i2', 'fortran_order': True, 'shape': (3, 10**12)}"),
      c("19-digit axis", "{'descr': '|b1', 'fortran_order': False, 'shape': (9223372036854775000,)}"),
      c("big structured shape", "{'descr': [('t', '<M8[ns]'), ('v', '<f4', (4,))], 'fortran_order': False,"
          + " 'shape': (10**15, 2)}"));

  private static Path dir;
  private static String[] numpyHeaders;

  private static String[] c(String name, String expression) {
    return new String[] {name, expression};
  }

  static Stream<Arguments> cases() {
    return IntStream.range(0, CASES.size()).mapToObj(i -> Arguments.of(CASES.get(i)[0], i));
  }

  @BeforeAll
  static void writeWithNumpy(@TempDir Path tempDir) throws Exception {
    dir = tempDir;
    StringBuilder expressions = new StringBuilder();
    for (String[] c : CASES) {
      expressions.append(c[1]).append('\n');
    }
    Files.writeString(dir.resolve("cases.txt"), expressions, StandardCharsets.UTF_8);
    String out = Python.run(dir, String.join("\n",
        "import sys, warnings",
        "import numpy as np",
        "from numpy.lib import format as F",
        "from numpy.lib import _format_impl as FI  # np.save's own header writer",
        "warnings.simplefilter('ignore')",
        "sys.stdout.reconfigure(encoding='utf-8')",
        "for i, expr in enumerate(open('cases.txt', encoding='utf-8').read().split('\\n')[:-1]):",
        "    value = eval(expr)",
        "    with open('case%d.npy' % i, 'wb') as f:",
        "        if isinstance(value, dict):",
        "            FI._write_array_header(f, value)",
        "            d = value",
        "        else:",
        "            np.save(f, value)",
        "            d = F.header_data_from_array_1_0(value)",
        "    print(repr(d['descr']), repr(d['shape']), repr(d['fortran_order']), sep='\\t')",
        ""));
    numpyHeaders = out.split("\n");
    assertEquals(CASES.size(), numpyHeaders.length, out);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void javaReadsAndWritesWhatNumpyWrites(String name, int index) throws Exception {
    String[] expected = numpyHeaders[index].split("\t");
    byte[] file = Files.readAllBytes(dir.resolve("case" + index + ".npy"));
    NpyHeader header = NpyHeader.read(new ByteArrayInputStream(file), "case" + index + ".npy");

    assertEquals(expected[0], NumpyDescr.toDescr(header.dtype()), "descr");
    assertEquals(expected[1], header.shape().toString(), "shape");
    assertEquals(Boolean.parseBoolean(expected[2].toLowerCase()), header.fortranOrder(), "fortran_order");
    assertEquals(header.dtype(), NumpyDescr.parse(expected[0]), "numpy's descr text parses to the same dtype");

    byte[] numpyHeader = Arrays.copyOf(file, (int) header.dataOffset());
    if (header.dtype().containsObject()) {
      assertThrows(IllegalArgumentException.class,
          () -> NpyHeader.encode(header.dtype(), header.fortranOrder(), header.shape()));
      return;
    }
    assertArrayEquals(numpyHeader, NpyHeader.encode(header.dtype(), header.fortranOrder(), header.shape()),
        () -> "header bytes differ:\nnumpy: " + new String(numpyHeader, StandardCharsets.ISO_8859_1)
            + "\njava:  " + new String(NpyHeader.encode(header.dtype(), header.fortranOrder(), header.shape()),
            StandardCharsets.ISO_8859_1));
    if (!CASES.get(index)[1].startsWith("{")) {
      assertEquals(file.length - header.dataOffset(), header.dataLength(), "data length");
    }
    if (header.shape().rank() > 0) {
      Shape grown = grownAlongGrowthAxis(header);
      assertArrayEquals(NpyHeader.encode(header.dtype(), header.fortranOrder(), grown),
          header.encodeInPlace(grown).orElseThrow(), "in-place rewrite for shape " + grown);
    }
  }

  /** The shape with numpy's growth axis (0, or the last in Fortran order) given more digits, within a long. */
  private static Shape grownAlongGrowthAxis(NpyHeader header) {
    long[] dims = header.shape().dims();
    int axis = header.fortranOrder() ? dims.length - 1 : 0;
    long others = 1;
    for (int i = 0; i < dims.length; i++) {
      others = i == axis ? others : others * Math.max(dims[i], 1);
    }
    long limit = Long.MAX_VALUE / others / Math.max(header.dtype().itemSize(), 1) - header.dataOffset();
    dims[axis] = dims[axis] > (limit - 999) / 1000 ? limit : dims[axis] * 1000 + 999;
    Shape grown = Shape.of(dims);
    assertTrue(Long.toString(grown.dim(axis)).length() > Long.toString(header.shape().dim(axis)).length()
        || Long.toString(header.shape().dim(axis)).length() >= 18, "grown " + grown);
    return grown;
  }
}
