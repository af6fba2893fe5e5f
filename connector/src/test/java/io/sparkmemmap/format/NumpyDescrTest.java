package io.sparkmemmap.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.format.StructDType.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class NumpyDescrTest {

  /** How a dtype text must fare: as numpy has it, refused by both, or refused here although numpy takes it. */
  enum Expect { SAME_AS_NUMPY, BOTH_REFUSE, REFUSED_HERE }

  private static final List<Object[]> CASES = List.of(
      // simple kinds, byte orders, names and single-character codes
      same("<f4"), same(">f4"), same("=f4"), same("|f4"), same("f4"), same("float32"), same(">f8"), same("f8"),
      same("float64"), same("double"), same("float"), same("f2"), same(">f2"), same("float16"), same("half"),
      same("e"), same("f"), same("d"), same("<i1"), same(">i1"), same("int8"), same("b"), same("B"), same("uint8"),
      same("|u1"), same(">i2"), same("int16"), same("h"), same("H"), same("<u2"), same("i4"), same(">i4"),
      same("int32"), same("i"), same("I"), same("intc"), same("l"), same("L"), same("q"), same("Q"), same("p"),
      same("P"), same("int"), same("int64"), same(">i8"), same("uint64"), same(">u8"), same("bool"), same("?"),
      same("b1"), same("|b1"), same("c8"), same(">c8"), same("complex64"), same("F"), same("c16"),
      same("complex128"), same("D"), same("complex"), same(">c16"), same("i04"),
      // datetimes with units and multipliers
      same("M8[ns]"), same("<M8[ns]"), same(">M8[us]"), same("datetime64[ns]"), same("datetime64"), same("M8"),
      same("M"), same("m"), same("m8[s]"), same("timedelta64[s]"), same("<m8[10ms]"), same("M8[25h]"),
      same("M8[2Y]"), same("M8[3M]"), same("m8[W]"), same("M8[D]"), same("m8[as]"), same("M8[ps]"),
      same("M8[fs]"), same("M8[1us]"), same("M8[\u03bcs]"), same("M8[generic]"), same(">m8[7D]"),
      same("M8[2147483647ms]"), same("<datetime64[s]"),
      // flexible kinds
      same("S16"), same("|S16"), same("S1"), same("c"), same("bytes"), same("S"), same("<U8"), same(">U3"),
      same("U8"), same("|U3"), same("str"), same("U"), same("V4"), same("|V4"), same("void"), same("O"),
      same("object"), same("|O"), same("S01"),
      // comma strings
      same("i4,f8"), same("i4, (2,3)f8"), same("(2,)i4,"), same("3f4,i2"), same(">i2,<u4,S3"),
      // structured descrs, dict forms and a quoted string
      same("[('t','<i8'),('x','<f4',(3,))]"), same("[('a', '|u1'), ('', '|V3'), ('b', '<i4')]"),
      same("[(('title', 'name'), '<i2'), ('b', '>f8', (2, 2))]"),
      same("[('outer', [('x', '<i2'), ('y', [('z', 'u1')])], (2,)), ('', '|V5')]"),
      same("{'names': ['a', 'b'], 'formats': ['u1', '<i4'], 'offsets': [0, 8], 'itemsize': 16}"),
      same("{'names': ['a', 'b'], 'formats': ['<f8', 'u1'], 'titles': ['T', None]}"),
      same("'<f4'"), same("[('\u00e9', '<f4'), ('\u6e29\u5ea6', '>i2')]"), same("[('a', 'O'), ('b', '<f8')]"),
      same("[('a', 'i4,f4')]"), same("[('a', '(2,)i4')]"), same("[('a', 'S0'), ('b', 'V0')]"), same("[]"),
      same("[('a', '<f4', 1)]"), same("[('a', '<f4', ())]"), same("[('a', '<f4', (0,))]"),
      same("[(\"it's\", '<f4'), ('say \"hi\"', '<i2'), ('t\\tab', '<i2')]"),
      same("[('', '<f4', (2,)), ('x', '<i2')]"), same("[('a', '<U2'), ('b', '>U1', (2,))]"),
      // nonsense numpy refuses too
      refused("f3"), refused("i16"), refused("u"), refused("b2"), refused("M4"), refused("M8[ns]x"),
      refused("M8[B]"), refused("M8[]"), refused("M8[2147483648ms]"), refused("float96"), refused("Float32"),
      refused("f8[ns]"), refused("S-1"), refused("[('a', 'f4', -1)]"), refused("[('a',)]"),
      refused("[('a','<i4'),('a','<i4')]"), refused("[(('a','a'),'<i2')]"), refused("[(b'a','<i4')]"),
      refused("i4,,f4"), refused("float32 x"), refused("[('a', 'i4', (2,), 4)]"), refused("e2"), refused("d8"),
      // found by FormatFuzzTest: sizes past 2^32 wrapped to small ones, other scripts' digits, byte orders on type
      // names, and shapes on unsized flexible types were read although numpy refuses them
      refused("<i4294967300"), refused("<f4294967300"), refused("b4294967297"), refused(">u4294967304"),
      refused("<i\u0664"), refused("S\u0663"), refused("M8[\u0663s]"), refused("\u0663f4,i4"), refused("<float32"),
      refused(">int64"), refused("=bool"), refused("|str"), refused("[('a', '|S0', (0,))]"),
      refused("[('a', '|S0', ())]"), refused("[('a', [('a', '|U0', (2,))])]"), refused("(2,)S0, i4"),
      refused("(0,)V,i4"), refused("{'names': ['a'], 'formats': [('S0', (2,))]}"), refused("M[Y]"), refused("<m[s]"),
      // a comma string is numpy's _commastring: a pattern per field (no '+' or '\u03bc' in brackets), its shape a
      // Python literal (no leading zeros); without a comma or a leading digit or '()', the text is one plain type
      same("M8[+5Y]"), refused("()M8[+5Y]"), refused("b,M8[+5Y]"), refused("b,2m8[+2s]"), refused("b,M8[\u03bcs]"),
      refused("b,02bool"), refused("02i4,b"), refused("b,(02,)f8"), same("b,00i4"), same("b,2bool"),
      same("b,(2)f8"), same("()M8[5Y]"), same("b, 2 bool ,(2, 3) <f8"), same("b,=(2,)i4"), same("b,<(2,)<i4"),
      refused("b,<(2,)>i4"), refused("( )i4"), refused("(2)f8"), refused("b,(,)i4"), refused("b,(2 3)i4"),
      refused("b,bool_"), refused("b,f8 i4"), refused("?1"), refused("<a"), same("=a2"), same("b,2<i4"),
      refused("''"), refused("[('a', '')]"),
      // what numpy takes but a file reader must not: long double, a top-level subarray, a zero multiplier
      refusedHere("f16"), refusedHere("g"), refusedHere("longdouble"), refusedHere("c32"), refusedHere("G"),
      refusedHere("clongdouble"), refusedHere("float128"), refusedHere("complex256"), refusedHere("(3,)f4"),
      refusedHere("3f4"), refusedHere("M8[0us]"), refusedHere("[('a', 'f16')]"),
      // numpy reads (unsized flexible type, n) as an item size, not a shape: refused rather than read another way
      refusedHere("[('a', 'S0', 5)]"), refusedHere("[('a', 'U', 2), ('b', '<i4')]"),
      same("<datetime64[ns]"), same("<timedelta64"), same("<?"), same(">b"), same("[('a', 'S3', 2)]"));

  private static Map<String, String> numpyDescrs;

  private static Object[] same(String text) {
    return new Object[] {text, Expect.SAME_AS_NUMPY};
  }

  private static Object[] refused(String text) {
    return new Object[] {text, Expect.BOTH_REFUSE};
  }

  private static Object[] refusedHere(String text) {
    return new Object[] {text, Expect.REFUSED_HERE};
  }

  static Stream<Arguments> cases() {
    return CASES.stream().map(c -> Arguments.of(c[0], c[1]));
  }

  /** Asks numpy once for the descr of every case: {@code repr(dtype_to_descr(dtype))}, or ERR. */
  @BeforeAll
  static void askNumpy(@TempDir Path dir) throws Exception {
    Path input = dir.resolve("cases.txt");
    StringBuilder lines = new StringBuilder();
    for (Object[] c : CASES) {
      lines.append(c[0]).append('\n');
    }
    Files.writeString(input, lines, StandardCharsets.UTF_8);
    String out = Python.run(dir, String.join("\n",
        "import ast, sys, warnings",
        "import numpy as np",
        "from numpy.lib import format as F",
        "warnings.simplefilter('ignore')",
        "sys.stdout.reconfigure(encoding='utf-8')",
        "for s in open('cases.txt', encoding='utf-8').read().split('\\n')[:-1]:",
        "    try:",
        "        if s.lstrip()[:1] in ('[', '{', \"'\"):",
        "            lit = ast.literal_eval(s)",
        "            d = F.descr_to_dtype(lit) if isinstance(lit, list) else np.dtype(lit)",
        "        else:",
        "            d = np.dtype(s)",
        "        if d.subdtype is not None:",
        "            print('OK (subarray)', repr(d))",
        "        else:",
        "            print('OK', repr(F.dtype_to_descr(d)))",
        "    except Exception as e:",
        "        print('ERR', type(e).__name__)",
        ""));
    String[] results = out.split("\n");
    assertEquals(CASES.size(), results.length, out);
    numpyDescrs = new HashMap<>();
    for (int i = 0; i < CASES.size(); i++) {
      numpyDescrs.put((String) CASES.get(i)[0], results[i]);
    }
  }

  @ParameterizedTest(name = "{1}: {0}")
  @MethodSource("cases")
  void parsesAsNumpyDoes(String text, Expect expect) {
    String numpy = numpyDescrs.get(text);
    switch (expect) {
      case SAME_AS_NUMPY -> {
        assertTrue(numpy.startsWith("OK "), "numpy: " + numpy);
        DType dtype = NumpyDescr.parse(text);
        assertEquals(numpy.substring(3), NumpyDescr.toDescr(dtype));
        // what we print parses back to the same type
        assertEquals(dtype, NumpyDescr.parse(NumpyDescr.toDescr(dtype)));
      }
      case BOTH_REFUSE -> {
        assertTrue(numpy.startsWith("ERR"), "numpy: " + numpy);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NumpyDescr.parse(text));
        assertFalse(e.getMessage().isBlank());
      }
      case REFUSED_HERE -> {
        assertTrue(numpy.startsWith("OK"), "numpy: " + numpy);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NumpyDescr.parse(text));
        assertTrue(e.getMessage().contains("long double") || e.getMessage().contains("subarray")
            || e.getMessage().contains("multiplier"), e.getMessage());
      }
    }
  }

  @Test
  void structuredFieldsHaveRunningOffsetsWithoutPadding() {
    StructDType struct = (StructDType) NumpyDescr.parse(
        "[('a', '|u1'), ('', '|V3'), (('T', 'b'), '<i4', (2,)), ('c', [('x', '>f8')]), ('', '|V4')]");
    assertEquals(24, struct.itemSize());
    List<Field> fields = struct.fields();
    assertEquals(List.of("a", "b", "c"), fields.stream().map(Field::name).toList());
    assertEquals(List.of(0, 4, 12), fields.stream().map(Field::offset).toList());
    assertNull(fields.get(0).title());
    assertEquals("T", fields.get(1).title());
    assertEquals(Shape.of(2), fields.get(1).shape());
    assertEquals(ScalarDType.of(DTypeKind.INT, Endian.LITTLE, 4), fields.get(1).dtype());
    StructDType inner = (StructDType) fields.get(2).dtype();
    assertEquals(ScalarDType.of(DTypeKind.FLOAT, Endian.BIG, 8), inner.field("x").dtype());
    assertEquals("[('a', '|u1'), ('', '|V3'), (('T', 'b'), '<i4', (2,)), ('c', [('x', '>f8')]), ('', '|V4')]",
        NumpyDescr.toDescr(struct));
  }

  @Test
  void unnamedFieldsThatAreNotPaddingGetNumpysDefaultNames() {
    StructDType struct = (StructDType) NumpyDescr.parse("[('', '<i4'), ('', '|V2'), ('', '<f4'), ('', [('x', 'u1')])]");
    assertEquals(List.of("f0", "f2", "f3"), struct.fields().stream().map(Field::name).toList());
    assertEquals(List.of(0, 6, 10), struct.fields().stream().map(Field::offset).toList());
  }

  @Test
  void flattensASubarrayOfASubarray() {
    StructDType struct = (StructDType) NumpyDescr.parse("[('a', ('<f4', (2,)), (3,))]");
    assertEquals(Shape.of(3, 2), struct.field("a").shape());
    assertEquals(24, struct.itemSize());
  }

  @Test
  void readsTheHeaderDescrLiteral() {
    Object literal = PyLiteral.parse("[('x', '<f4', (3L,)), (u'y', 'float64')]");
    StructDType struct = (StructDType) NumpyDescr.fromLiteral(literal);
    assertEquals("[('x', '<f4', (3,)), ('y', '<f8')]", NumpyDescr.toDescr(struct));
    assertEquals(ScalarDType.of(DTypeKind.FLOAT, Endian.nativeOrder(), 4), NumpyDescr.fromLiteral("=f4"));
  }

  @Test
  void objectParsesSoThatReadersCanRefuseIt() {
    DType object = NumpyDescr.parse("O");
    assertEquals(DTypeKind.OBJECT, ((ScalarDType) object).kind());
    assertTrue(object.containsObject());
    assertTrue(NumpyDescr.parse("[('a', '<f8'), ('b', [('c', 'O')])]").containsObject());
    assertFalse(NumpyDescr.parse("[('a', '<f8')]").containsObject());
  }

  @Test
  void normalizesByteOrderLikeNumpy() {
    assertEquals(Endian.NOT_APPLICABLE, ((ScalarDType) NumpyDescr.parse(">i1")).endian());
    assertEquals(Endian.NOT_APPLICABLE, ((ScalarDType) NumpyDescr.parse("<S4")).endian());
    assertEquals(Endian.nativeOrder(), ((ScalarDType) NumpyDescr.parse("|f8")).endian());
    assertEquals(Endian.BIG, ((ScalarDType) NumpyDescr.parse(">U2")).endian());
    assertEquals(8, NumpyDescr.parse(">U2").itemSize());
    ScalarDType ms = (ScalarDType) NumpyDescr.parse(">m8[10ms]");
    assertEquals(DateUnit.MILLISECOND, ms.unit());
    assertEquals(10, ms.unitMultiplier());
    assertEquals(Endian.BIG, ms.endian());
  }

  @Test
  void refusesOverlappingFieldsOnPrinting() {
    DType overlapping = NumpyDescr.parse("{'names': ['a', 'b'], 'formats': ['<i4', '<i4'], 'offsets': [4, 0]}");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NumpyDescr.toDescr(overlapping));
    assertTrue(e.getMessage().contains("out of order"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"[('a', 'S2147483647'), ('b', 'S1')]", "[('a', '<f8', (1099511627776, 1099511627776))]",
      "U999999999", "[('a', '<f8', (4611686018427387904, 4))]",
      "{'names': ['a'], 'formats': ['<i4'], 'itemsize': 2}", "{'names': ['a'], 'formats': ['<i4'], 'aligned': True}"})
  void refusesSizesBeyondNumpysLimits(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NumpyDescr.parse(text));
    assertFalse(e.getMessage().isBlank());
  }

  /** Found while fuzzing: field names were checked pairwise, so 40,000 fields took 12 s and 200,000 minutes. */
  @Test
  void hundredsOfThousandsOfFieldsParseInLinearTime() {
    StructDType struct = (StructDType) NumpyDescr.parse("u1,".repeat(200_000));
    assertEquals(200_000, struct.fields().size());
    assertEquals("f199999", struct.fields().get(199_999).name());
  }

  @Test
  void deepNestingIsAClearErrorNotAStackOverflow() {
    String deep = "[('a', ".repeat(5000) + "'<f4'" + ")]".repeat(5000);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NumpyDescr.parse(deep));
    assertTrue(e.getMessage().contains("nested deeper"), e.getMessage());
  }

  @Test
  void errorsNameTheText() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NumpyDescr.parse("flaot32"));
    assertEquals("data type 'flaot32' not understood", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> NumpyDescr.parse("<f16"));
    assertTrue(e.getMessage().startsWith("data type '<f16' is a long double"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> NumpyDescr.parse("M8[fortnight]"));
    assertTrue(e.getMessage().contains("unknown datetime unit 'fortnight'"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> NumpyDescr.parse("  "));
    assertEquals("empty dtype", e.getMessage());
  }

  @Test
  void theModelRefusesSizesNumpyDoesNotHave() {
    assertThrows(IllegalArgumentException.class, () -> ScalarDType.of(DTypeKind.FLOAT, Endian.LITTLE, 3));
    assertThrows(IllegalArgumentException.class, () -> ScalarDType.of(DTypeKind.FLOAT, Endian.LITTLE, 16));
    assertThrows(IllegalArgumentException.class, () -> ScalarDType.of(DTypeKind.BOOL, Endian.LITTLE, 2));
    // found by FormatFuzzTest: '<M8' cannot carry a multiplier, so the model must not hold one
    assertThrows(IllegalArgumentException.class,
        () -> ScalarDType.datetime(DTypeKind.DATETIME, Endian.LITTLE, DateUnit.GENERIC, 5));
    assertThrows(IllegalArgumentException.class, () -> new StructDType.Field("a", null,
        ScalarDType.of(DTypeKind.BYTES, Endian.NOT_APPLICABLE, 0), Shape.of(2), 0));
    assertEquals("|O", ScalarDType.object().toString());
  }
}
