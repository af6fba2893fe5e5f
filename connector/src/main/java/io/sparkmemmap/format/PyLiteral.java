package io.sparkmemmap.format;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Python literals NumPy writes in {@code .npy} headers and dtype descrs, parsed and printed. It is a parser of
 * a fixed grammar, never an evaluator: dict (string keys), list, tuple, str (single or double quotes, optional
 * {@code u} prefix; backslash escapes of the backslash, both quotes, tab, newline and return, and the hex escapes
 * {@code x} (2 digits), {@code u} (4) and {@code U} (8)), int (with Python 2's {@code L} suffix), {@code True},
 * {@code False} and {@code None}.
 *
 * <p>Values map to {@link Map} (insertion order), {@link List}, {@link Tuple}, {@link String}, {@link Long},
 * {@link Boolean} and {@link PyNone}. Input length and nesting depth are bounded, so hostile text costs at most
 * linear time and a fixed stack depth. Errors are {@link IllegalArgumentException}s that quote the text around the
 * position.
 */
final class PyLiteral {
  /** Containers nested deeper than this are refused; numpy descrs nest two levels per structured level. */
  static final int MAX_DEPTH = 32;
  /** Longest text accepted, in chars. */
  static final int MAX_LENGTH = 16 << 20;

  private static final int SNIPPET_RADIUS = 24;

  /** A Python tuple, kept apart from a list because numpy's shape must be a tuple and a structured descr a list. */
  record Tuple(List<Object> items) {
    Tuple {
      items = List.copyOf(items);
    }

    static Tuple of(Object... items) {
      return new Tuple(List.of(items));
    }

    @Override
    public String toString() {
      return repr(this);
    }
  }

  /** Python's {@code None}. */
  enum PyNone {
    INSTANCE;

    @Override
    public String toString() {
      return "None";
    }
  }

  private final String text;
  private int pos;

  private PyLiteral(String text) {
    this.text = text;
  }

  /** Parses {@code text}, which must hold exactly one literal, surrounded by optional whitespace. */
  static Object parse(String text) {
    if (text.length() > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "Python literal of " + text.length() + " characters is longer than the limit of " + MAX_LENGTH);
    }
    PyLiteral parser = new PyLiteral(text);
    parser.skipWhitespace();
    Object value = parser.value(0);
    parser.skipWhitespace();
    if (parser.pos < text.length()) {
      throw parser.error("unexpected text after the literal");
    }
    return value;
  }

  private Object value(int depth) {
    if (pos >= text.length()) {
      throw error("unexpected end of text, expected a value");
    }
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        return dict(enter(depth));
      case '[':
        return list(enter(depth));
      case '(':
        return tupleOrGroup(enter(depth));
      case '\'':
      case '"':
        return string();
      case '-':
      case '+':
        return integer();
      default:
        if (c >= '0' && c <= '9') {
          return integer();
        }
        if ((c == 'u' || c == 'U') && pos + 1 < text.length()
            && (text.charAt(pos + 1) == '\'' || text.charAt(pos + 1) == '"')) {
          pos++; // Python 2 wrote unicode field names as u'name'
          return string();
        }
        if (isIdentifierStart(c)) {
          return name();
        }
        throw error("unexpected character");
    }
  }

  private int enter(int depth) {
    if (depth >= MAX_DEPTH) {
      throw error("containers nested deeper than " + MAX_DEPTH + " levels");
    }
    return depth + 1;
  }

  private Map<String, Object> dict(int depth) {
    pos++; // '{'
    Map<String, Object> map = new LinkedHashMap<>();
    skipWhitespace();
    while (!consume('}')) {
      int keyPos = pos;
      Object key = value(depth);
      if (!(key instanceof String name)) {
        pos = keyPos;
        throw error("dict keys must be strings");
      }
      skipWhitespace();
      expect(':', "':' after a dict key");
      skipWhitespace();
      Object val = value(depth);
      if (map.putIfAbsent(name, val) != null) {
        pos = keyPos;
        throw error("duplicate dict key " + repr(name));
      }
      if (!separator('}')) {
        throw error("expected ',' or '}' in a dict");
      }
    }
    return Collections.unmodifiableMap(map);
  }

  private List<Object> list(int depth) {
    pos++; // '['
    List<Object> items = new ArrayList<>();
    skipWhitespace();
    while (!consume(']')) {
      items.add(value(depth));
      if (!separator(']')) {
        throw error("expected ',' or ']' in a list");
      }
    }
    return Collections.unmodifiableList(items);
  }

  /** {@code ()} and {@code (x,)} are tuples; {@code (x)} is just {@code x}, as in Python. */
  private Object tupleOrGroup(int depth) {
    pos++; // '('
    skipWhitespace();
    if (consume(')')) {
      return new Tuple(List.of());
    }
    Object first = value(depth);
    skipWhitespace();
    if (consume(')')) {
      return first;
    }
    expect(',', "',' or ')' after a value in parentheses");
    List<Object> items = new ArrayList<>();
    items.add(first);
    skipWhitespace();
    while (!consume(')')) {
      items.add(value(depth));
      if (!separator(')')) {
        throw error("expected ',' or ')' in a tuple");
      }
    }
    return new Tuple(items);
  }

  /** After an item: true at a closing bracket (consumed), false if neither ',' nor the bracket follows. */
  private boolean separator(char close) {
    skipWhitespace();
    if (pos < text.length() && text.charAt(pos) == close) {
      return true; // the caller's loop consumes it
    }
    if (consume(',')) {
      skipWhitespace();
      return true;
    }
    return false;
  }

  private String string() {
    int start = pos;
    char quote = text.charAt(pos++);
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= text.length()) {
        pos = start;
        throw error("unterminated string");
      }
      char c = text.charAt(pos);
      if (c == quote) {
        pos++;
        return sb.toString();
      }
      if (c == '\n' || c == '\r') {
        pos = start;
        throw error("unterminated string (line break inside)");
      }
      if (c != '\\') {
        sb.append(c);
        pos++;
        continue;
      }
      if (pos + 1 >= text.length()) {
        pos = start;
        throw error("unterminated string");
      }
      char e = text.charAt(pos + 1);
      switch (e) {
        case '\\', '\'', '"' -> sb.append(e);
        case 't' -> sb.append('\t');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 'x' -> sb.appendCodePoint(hexEscape(2));
        case 'u' -> sb.appendCodePoint(hexEscape(4));
        case 'U' -> sb.appendCodePoint(hexEscape(8));
        default -> throw error("unsupported escape '\\" + e + "' in a string");
      }
      pos += 2 + (e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 0);
    }
  }

  private int hexEscape(int digits) {
    int from = pos + 2;
    if (from + digits > text.length()) {
      throw error("truncated \\" + text.charAt(pos + 1) + " escape: it needs " + digits + " hex digits");
    }
    int value = 0;
    for (int i = from; i < from + digits; i++) {
      int d = Character.digit(text.charAt(i), 16);
      if (d < 0) {
        throw error("bad \\" + text.charAt(pos + 1) + " escape: it needs " + digits + " hex digits");
      }
      value = value * 16 + d;
      if (value > Character.MAX_CODE_POINT || value < 0) {
        throw error("escape beyond the last Unicode code point");
      }
    }
    return value;
  }

  private Long integer() {
    int start = pos;
    boolean negative = text.charAt(pos) == '-';
    if (text.charAt(pos) == '-' || text.charAt(pos) == '+') {
      pos++;
      skipWhitespace();
    }
    int digitsStart = pos;
    while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
      pos++;
    }
    String digits = text.substring(digitsStart, pos);
    if (digits.isEmpty()) {
      throw error("expected digits");
    }
    if (digits.length() > 1 && digits.charAt(0) == '0' && !digits.chars().allMatch(ch -> ch == '0')) {
      pos = digitsStart;
      throw error("leading zeros in an integer (Python 2 octal?) are not accepted");
    }
    if (pos < text.length() && (text.charAt(pos) == 'L' || text.charAt(pos) == 'l')) {
      pos++; // Python 2's long suffix, as in a shape (3L, 4L)
    }
    if (pos < text.length() && (isIdentifierStart(text.charAt(pos)) || text.charAt(pos) == '.')) {
      throw error("only decimal integers are accepted");
    }
    long value = 0;
    for (int i = 0; i < digits.length(); i++) {
      try {
        value = Math.addExact(Math.multiplyExact(value, 10), digits.charAt(i) - '0');
      } catch (ArithmeticException overflow) {
        pos = start;
        throw error("integer " + digits + " is out of the 64-bit range");
      }
    }
    return negative ? -value : value;
  }

  private Object name() {
    int start = pos;
    while (pos < text.length() && (isIdentifierStart(text.charAt(pos)) || Character.isDigit(text.charAt(pos)))) {
      pos++;
    }
    String word = text.substring(start, pos);
    switch (word) {
      case "True":
        return Boolean.TRUE;
      case "False":
        return Boolean.FALSE;
      case "None":
        return PyNone.INSTANCE;
      default:
        pos = start;
        throw error("unknown name '" + word + "': only True, False and None are literals");
    }
  }

  private static boolean isIdentifierStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  }

  private void skipWhitespace() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f') {
        return;
      }
      pos++;
    }
  }

  private boolean consume(char c) {
    if (pos < text.length() && text.charAt(pos) == c) {
      pos++;
      return true;
    }
    return false;
  }

  private void expect(char c, String what) {
    if (!consume(c)) {
      throw error("expected " + what);
    }
  }

  private IllegalArgumentException error(String problem) {
    String found = pos < text.length() ? repr(text.substring(pos, pos + 1)) : "end of text";
    int from = Math.max(0, pos - SNIPPET_RADIUS);
    int to = Math.min(text.length(), pos + SNIPPET_RADIUS);
    String near = (from > 0 ? "..." : "") + escapeForMessage(text.substring(from, pos)) + ">>>"
        + escapeForMessage(text.substring(pos, to)) + (to < text.length() ? "..." : "");
    return new IllegalArgumentException(
        "bad Python literal at position " + pos + " (found " + found + "): " + problem + "; near \"" + near + "\"");
  }

  private static String escapeForMessage(String s) {
    String r = repr(s);
    return r.substring(1, r.length() - 1);
  }

  /** Python's {@code repr} of a parsed value, as numpy prints a header or a descr. */
  static String repr(Object value) {
    StringBuilder sb = new StringBuilder();
    appendRepr(sb, value);
    return sb.toString();
  }

  private static void appendRepr(StringBuilder sb, Object value) {
    if (value instanceof String s) {
      appendStringRepr(sb, s);
    } else if (value instanceof Boolean b) {
      sb.append(b ? "True" : "False");
    } else if (value instanceof Long || value instanceof Integer || value instanceof PyNone) {
      sb.append(value);
    } else if (value instanceof List<?> list) {
      sb.append('[');
      appendItems(sb, list);
      sb.append(']');
    } else if (value instanceof Tuple tuple) {
      sb.append('(');
      appendItems(sb, tuple.items());
      sb.append(tuple.items().size() == 1 ? ",)" : ")");
    } else if (value instanceof Map<?, ?> map) {
      sb.append('{');
      String sep = "";
      for (Map.Entry<?, ?> e : map.entrySet()) {
        sb.append(sep);
        appendRepr(sb, e.getKey());
        sb.append(": ");
        appendRepr(sb, e.getValue());
        sep = ", ";
      }
      sb.append('}');
    } else {
      throw new IllegalArgumentException("not a Python literal value: " + value);
    }
  }

  private static void appendItems(StringBuilder sb, List<?> items) {
    for (int i = 0; i < items.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      appendRepr(sb, items.get(i));
    }
  }

  /**
   * Python 3's {@code repr(str)}: single quotes unless the text holds {@code '} and no {@code "}; backslash
   * escapes for the quote, backslash, tab, newline and return, and hex escapes ({@code x}, {@code u}, {@code U}) for
   * what Python deems unprintable.
   */
  private static void appendStringRepr(StringBuilder sb, String s) {
    char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
    sb.append(quote);
    for (int i = 0; i < s.length(); ) {
      int cp = s.codePointAt(i);
      i += Character.charCount(cp);
      if (cp == quote || cp == '\\') {
        sb.append('\\').append((char) cp);
      } else if (cp == '\t') {
        sb.append("\\t");
      } else if (cp == '\n') {
        sb.append("\\n");
      } else if (cp == '\r') {
        sb.append("\\r");
      } else if (cp < ' ' || cp == 0x7f) {
        appendHex(sb, "\\x", cp, 2);
      } else if (cp < 0x7f || isPrintable(cp)) {
        sb.appendCodePoint(cp);
      } else if (cp <= 0xff) {
        appendHex(sb, "\\x", cp, 2);
      } else if (cp <= 0xffff) {
        appendHex(sb, "\\u", cp, 4);
      } else {
        appendHex(sb, "\\U", cp, 8);
      }
    }
    sb.append(quote);
  }

  private static void appendHex(StringBuilder sb, String prefix, int value, int digits) {
    String hex = Integer.toHexString(value);
    sb.append(prefix).append("0".repeat(digits - hex.length())).append(hex);
  }

  /** Python's {@code str.isprintable} for one code point: not a control, format, separator or unassigned point. */
  private static boolean isPrintable(int cp) {
    switch (Character.getType(cp)) {
      case Character.CONTROL:
      case Character.FORMAT:
      case Character.SURROGATE:
      case Character.PRIVATE_USE:
      case Character.UNASSIGNED:
      case Character.LINE_SEPARATOR:
      case Character.PARAGRAPH_SEPARATOR:
        return false;
      case Character.SPACE_SEPARATOR:
        return cp == ' ';
      default:
        return true;
    }
  }
}
