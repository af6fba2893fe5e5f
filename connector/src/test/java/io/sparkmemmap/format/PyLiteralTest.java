package io.sparkmemmap.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.format.PyLiteral.PyNone;
import io.sparkmemmap.format.PyLiteral.Tuple;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PyLiteralTest {

  @Test
  void parsesAHeaderDict() {
    Object value = PyLiteral.parse("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }          \n");
    assertEquals(Map.of("descr", "<f4", "fortran_order", false, "shape", Tuple.of(3L, 4L)), value);
  }

  @Test
  void keepsDictKeyOrder() {
    Map<?, ?> map = (Map<?, ?>) PyLiteral.parse("{'shape': (), 'descr': 'x', 'fortran_order': True}");
    assertEquals(List.of("shape", "descr", "fortran_order"), List.copyOf(map.keySet()));
  }

  @Test
  void tellsTuplesFromListsAndGroups() {
    assertEquals(new Tuple(List.of()), PyLiteral.parse("()"));
    assertEquals(Tuple.of(5L), PyLiteral.parse("(5,)"));
    assertEquals(5L, PyLiteral.parse("(5)"));
    assertEquals(Tuple.of(1L, 2L), PyLiteral.parse("( 1 ,\n 2 , )"));
    assertEquals(List.of(1L, List.of()), PyLiteral.parse("[1, [],]"));
    assertEquals(List.of(), PyLiteral.parse("[ ]"));
    assertEquals(Map.of(), PyLiteral.parse("{}"));
  }

  @Test
  void parsesIntegersIncludingPython2Longs() {
    assertEquals(Tuple.of(3L, 4L), PyLiteral.parse("(3L, 4l)"));
    assertEquals(-7L, PyLiteral.parse("- 7"));
    assertEquals(7L, PyLiteral.parse("+7"));
    assertEquals(0L, PyLiteral.parse("00"));
    assertEquals(Long.MAX_VALUE, PyLiteral.parse("9223372036854775807"));
  }

  @Test
  void parsesNamesAndStringsWithAllEscapes() {
    assertEquals(List.of(true, false, PyNone.INSTANCE), PyLiteral.parse("[True, False, None]"));
    assertEquals("a\\b'c\"d\te\nf\rg\u00e9h\u6e29i\ud83d\ude00",
        PyLiteral.parse("'a\\\\b\\'c\\\"d\\te\\nf\\rg\\xe9h\\u6e29i\\U0001f600'"));
    assertEquals("it's", PyLiteral.parse("\"it's\""));
    assertEquals("name", PyLiteral.parse("u'name'"));
    assertEquals("\u6e29\u5ea6", PyLiteral.parse("'\u6e29\u5ea6'"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "  ", "{", "{'a' 1}", "{'a': 1", "{1: 2}", "[1 2]", "[1,,2]", "(1 2)", "'abc",
      "'a\nb'", "'\\q'", "'\\x4'", "'\\xzz'", "'\\U00110000'", "1.5", "1e3", "0x10", "07", "1_000",
      "99999999999999999999", "true", "none", "b'x'", "r'x'", "{'a': 1, 'a': 2}", "[1] 2", "{1, 2}", "-", "1 L",
      "'x' 'y'", "@", "f(1)"})
  void rejectsWhatIsNotALiteralWithPositionAndText(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PyLiteral.parse(text));
    assertTrue(e.getMessage().startsWith("bad Python literal at position "), e.getMessage());
    assertTrue(e.getMessage().contains("near \""), e.getMessage());
  }

  @Test
  void errorQuotesTheOffendingText() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PyLiteral.parse("{'descr': '<f4', 'fortran_order': Flase}"));
    assertTrue(e.getMessage().contains("position 34"), e.getMessage());
    assertTrue(e.getMessage().contains("unknown name 'Flase'"), e.getMessage());
    assertTrue(e.getMessage().contains("'fortran_order': >>>Flase}"), e.getMessage());
  }

  @Test
  void boundsNestingWithoutOverflowingTheStack() {
    String deep = "[".repeat(100_000) + "]".repeat(100_000);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PyLiteral.parse(deep));
    assertTrue(e.getMessage().contains("nested deeper than 32"), e.getMessage());
    String ok = "[".repeat(PyLiteral.MAX_DEPTH) + "1" + "]".repeat(PyLiteral.MAX_DEPTH);
    Object value = PyLiteral.parse(ok);
    for (int i = 0; i < PyLiteral.MAX_DEPTH; i++) {
      value = ((List<?>) value).get(0);
    }
    assertEquals(1L, value);
    String tooDeep = "{'a': " + ok + "}";
    assertThrows(IllegalArgumentException.class, () -> PyLiteral.parse(tooDeep));
  }

  @Test
  void boundsInputLength() {
    String huge = "'" + "x".repeat(PyLiteral.MAX_LENGTH) + "'";
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PyLiteral.parse(huge));
    assertTrue(e.getMessage().contains("longer than the limit"), e.getMessage());
  }

  @Test
  void reprIsPythonsRepr() {
    assertEquals("'plain'", PyLiteral.repr("plain"));
    assertEquals("\"it's\"", PyLiteral.repr("it's"));
    assertEquals("'say \"hi\"'", PyLiteral.repr("say \"hi\""));
    assertEquals("'both \\' and \"'", PyLiteral.repr("both ' and \""));
    assertEquals("'t\\tn\\nr\\rb\\\\'", PyLiteral.repr("t\tn\nr\rb\\"));
    assertEquals("'\\x00\\x7f\\x80\\xa0\\xad\u00e9'", PyLiteral.repr("\u0000\u007f\u0080\u00a0\u00ad\u00e9"));
    assertEquals("'\\u2028\\u200b\\ufeff\u6e29\ud83d\ude00\\U000e0001'",
        PyLiteral.repr("\u2028\u200b\ufeff\u6e29\ud83d\ude00\udb40\udc01"));
    assertEquals("[('a', '<i4', (3,)), ('', '|V4')]",
        PyLiteral.repr(List.of(Tuple.of("a", "<i4", Tuple.of(3L)), Tuple.of("", "|V4"))));
    Map<String, Object> dict = new LinkedHashMap<>();
    dict.put("k", new Tuple(List.of()));
    dict.put("b", true);
    dict.put("n", PyNone.INSTANCE);
    assertEquals("{'k': (), 'b': True, 'n': None}", PyLiteral.repr(dict));
  }

  @Test
  void reprMatchesPythonForTrickyNames(@TempDir Path dir) throws Exception {
    // each code point below is one Python would escape or keep depending on its Unicode category
    String[] names = {"it's", "say \"hi\"", "both ' and \"", "tab\there", "\u0000\u001f\u007f\u0080\u009f",
        "\u00a0\u00ad\u00e9\u00ff", "\u0100\u2028\u2029\u200b\u200e\ufeff\ue000", "\u6e29\u5ea6",
        "\ud83d\ude00\udb40\udc01", "\u0301combining", "back\\slash"};
    StringBuilder script = new StringBuilder("import sys\nsys.stdout.reconfigure(encoding='utf-8')\nnames = [\n");
    for (String name : names) {
      script.append("  '");
      name.codePoints().forEach(cp -> script.append(String.format("\\U%08x", cp)));
      script.append("',\n");
    }
    script.append("]\nfor n in names:\n  print(repr(n))\n");
    String[] expected = Python.run(dir, script.toString()).split("\n");
    for (int i = 0; i < names.length; i++) {
      assertEquals(expected[i], PyLiteral.repr(names[i]), "repr of name #" + i);
      assertEquals(names[i], PyLiteral.parse(PyLiteral.repr(names[i])), "round trip of name #" + i);
    }
  }
}
