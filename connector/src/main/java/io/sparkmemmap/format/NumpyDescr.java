package io.sparkmemmap.format;

import io.sparkmemmap.format.PyLiteral.Tuple;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy dtypes as text: the strings {@code np.dtype()} understands and the {@code descr} a {@code .npy} header
 * holds, parsed into a {@link DType} and printed back exactly as numpy writes them.
 *
 * <p>Accepted forms:
 * <ul>
 *   <li>descr strings: {@code <f4}, {@code >i8}, {@code |b1}, {@code =f8}, {@code S16}, {@code <U8}, {@code V4},
 *       {@code M8[ns]}, {@code <m8[10ms]}, and single-character codes with numpy's meaning ({@code 'f'} is
 *       float32, {@code 'l'} int64, {@code 'c'} S1, ...);</li>
 *   <li>numpy type names: {@code float32}, {@code int8} .. {@code uint64}, {@code bool}, {@code complex128},
 *       {@code datetime64[ns]}, {@code timedelta64[s]}, {@code double}, {@code intc}, ...;</li>
 *   <li>comma strings {@code 'i4, (2,3)f8'}: a structured type with fields {@code f0, f1, ...};</li>
 *   <li>structured descrs {@code [('t', '<i8'), ('x', '<f4', (3,))]}: nesting, titles
 *       {@code (('title', 'name'), '<i2')} and padding fields {@code ('', '|V3')}, read as numpy's
 *       {@code descr_to_dtype} reads them: padding is skipped, and other unnamed fields are named
 *       {@code f<index>};</li>
 *   <li>the dict form {@code {'names': [...], 'formats': [...], 'offsets': [...], 'itemsize': n}}.</li>
 * </ul>
 * The object type {@code O} parses (as {@link DTypeKind#OBJECT}) so that readers can refuse it by name; long double
 * ({@code f16}, {@code g}, {@code c32}) is refused here because its bytes mean different things on different
 * platforms. A subarray of a subarray is flattened ({@code (('<f4', (2,)), (3,))} becomes {@code <f4} of shape
 * {@code (3, 2)}: the same bytes), and a subarray type is accepted only as a field.
 *
 * <p>Errors are {@link IllegalArgumentException}s naming the text and the problem.
 */
public final class NumpyDescr {
  private static final Map<String, String> TYPE_NAMES = Map.ofEntries(
      Map.entry("bool", "b1"), Map.entry("bool_", "b1"),
      Map.entry("int8", "i1"), Map.entry("byte", "i1"),
      Map.entry("uint8", "u1"), Map.entry("ubyte", "u1"),
      Map.entry("int16", "i2"), Map.entry("short", "i2"),
      Map.entry("uint16", "u2"), Map.entry("ushort", "u2"),
      Map.entry("int32", "i4"), Map.entry("intc", "i4"),
      Map.entry("uint32", "u4"), Map.entry("uintc", "u4"),
      Map.entry("int64", "i8"), Map.entry("long", "i8"), Map.entry("longlong", "i8"), Map.entry("intp", "i8"),
      Map.entry("int", "i8"), Map.entry("int_", "i8"),
      Map.entry("uint64", "u8"), Map.entry("ulong", "u8"), Map.entry("ulonglong", "u8"), Map.entry("uintp", "u8"),
      Map.entry("uint", "u8"),
      Map.entry("float16", "f2"), Map.entry("half", "f2"),
      Map.entry("float32", "f4"), Map.entry("single", "f4"),
      Map.entry("float64", "f8"), Map.entry("double", "f8"), Map.entry("float", "f8"),
      Map.entry("complex64", "c8"), Map.entry("csingle", "c8"),
      Map.entry("complex128", "c16"), Map.entry("cdouble", "c16"), Map.entry("complex", "c16"),
      Map.entry("object", "O"), Map.entry("object_", "O"),
      Map.entry("str", "U"), Map.entry("str_", "U"),
      Map.entry("bytes", "S"), Map.entry("bytes_", "S"),
      Map.entry("void", "V"),
      Map.entry("datetime64", "M8"), Map.entry("timedelta64", "m8"));

  private static final Set<String> LONG_DOUBLE_NAMES = Set.of(
      "longdouble", "clongdouble", "float96", "float128", "complex192", "complex256");

  /** Single-character codes that mean a sized type when they stand alone: numpy's {@code dtype.char}. */
  private static final Map<Character, String> CHAR_CODES = Map.ofEntries(
      Map.entry('?', "b1"), Map.entry('b', "i1"), Map.entry('B', "u1"),
      Map.entry('h', "i2"), Map.entry('H', "u2"), Map.entry('i', "i4"), Map.entry('I', "u4"),
      Map.entry('l', "i8"), Map.entry('L', "u8"), Map.entry('q', "i8"), Map.entry('Q', "u8"),
      Map.entry('p', "i8"), Map.entry('P', "u8"), Map.entry('n', "i8"), Map.entry('N', "u8"),
      Map.entry('e', "f2"), Map.entry('f', "f4"), Map.entry('d', "f8"),
      Map.entry('F', "c8"), Map.entry('D', "c16"), Map.entry('c', "S1"));

  private static final Set<String> DICT_FORM_KEYS = Set.of("names", "formats", "offsets", "titles", "itemsize");

  /** numpy's {@code format_re}: byte order, repeats (a shape), byte order, type; every part optional. */
  private static final Pattern COMMA_ITEM = Pattern.compile(
      "([<>|=]?)( *[(]?[ ,0-9]*[)]? *)([<>|=]?)([A-Za-z0-9.?]*(?:\\[[a-zA-Z0-9,.]+\\])?)");

  private NumpyDescr() {}

  /** A type with the subarray shape it carries when it is a field's type; 0-d for a plain type. */
  private record Shaped(DType dtype, Shape shape) {
    long byteSize() {
      return shape.byteCount(dtype.itemSize());
    }
  }

  /**
   * Parses a dtype as a user writes it: any string {@code np.dtype()} takes ({@code float32}, {@code <f4},
   * {@code M8[ns]}, {@code 'i4,f8'}), or the text of a structured descr or dict form. Surrounding whitespace is
   * ignored; a quoted string such as {@code '<f4'} (copied from a header) is read as the string inside.
   */
  public static DType parse(String text) {
    String trimmed = text.strip();
    if (trimmed.isEmpty()) {
      throw new IllegalArgumentException("empty dtype");
    }
    char first = trimmed.charAt(0);
    if (first == '[' || first == '{' || first == '\'' || first == '"') {
      return fromLiteral(PyLiteral.parse(trimmed));
    }
    return topLevel(parseString(trimmed), trimmed);
  }

  /**
   * The dtype of a header's {@code descr} value as the header parser returns it (a string, a list of field tuples,
   * or a dict form), read as numpy's {@code descr_to_dtype} reads it.
   */
  public static DType fromLiteral(Object descr) {
    return topLevel(shapedOf(descr), descr);
  }

  private static DType topLevel(Shaped shaped, Object source) {
    if (shaped.shape().rank() > 0) {
      throw new IllegalArgumentException("subarray type " + describe(source) + " is accepted only as the type of a "
          + "field; give its shape " + shaped.shape() + " as part of the array shape instead");
    }
    return shaped.dtype();
  }

  /**
   * What numpy writes as the {@code descr} of a header: {@code repr(np.lib.format.dtype_to_descr(dtype))}, e.g.
   * {@code '<f4'} or {@code [('a', '<i4'), ('', '|V4'), ('b', '<f8', (3,))]}, gaps and trailing space written as
   * padding fields.
   *
   * @throws IllegalArgumentException for overlapping or out-of-order fields, which numpy cannot describe either
   */
  public static String toDescr(DType dtype) {
    return PyLiteral.repr(toLiteral(dtype));
  }

  private static Object toLiteral(DType dtype) {
    if (dtype instanceof ScalarDType scalar) {
      return scalar.toString();
    }
    StructDType struct = (StructDType) dtype;
    List<Object> items = new ArrayList<>();
    long cursor = 0;
    for (StructDType.Field field : struct.fields()) {
      if (field.offset() < cursor) {
        throw new IllegalArgumentException("field '" + field.name() + "' at offset " + field.offset()
            + " overlaps the field before it or is out of order; numpy has no descr for such a type");
      }
      if (field.offset() > cursor) {
        items.add(Tuple.of("", "|V" + (field.offset() - cursor)));
      }
      Object name = field.title() == null ? field.name() : Tuple.of(field.title(), field.name());
      Object type = toLiteral(field.dtype());
      items.add(field.shape().rank() == 0 ? Tuple.of(name, type) : Tuple.of(name, type, shapeLiteral(field.shape())));
      cursor = field.offset() + field.byteSize();
    }
    if (struct.itemSize() > cursor) {
      items.add(Tuple.of("", "|V" + (struct.itemSize() - cursor)));
    }
    return items;
  }

  private static Tuple shapeLiteral(Shape shape) {
    List<Object> dims = new ArrayList<>(shape.rank());
    for (int i = 0; i < shape.rank(); i++) {
      dims.add(shape.dim(i));
    }
    return new Tuple(dims);
  }

  private static Shaped shapedOf(Object descr) {
    if (descr instanceof String s) {
      return parseString(s);
    }
    if (descr instanceof List<?> fields) {
      return new Shaped(structOfFields(fields), Shape.scalar());
    }
    if (descr instanceof Map<?, ?> dictForm) {
      return new Shaped(structOfDictForm(dictForm), Shape.scalar());
    }
    if (descr instanceof Tuple tuple && tuple.items().size() == 2) {
      // (base, shape): a subarray; an inner subarray's dimensions come last, as numpy lays them out
      return subarray(shapedOf(tuple.items().get(0)), shapeOf(tuple.items().get(1), descr), descr);
    }
    throw new IllegalArgumentException("not a dtype descr: " + describe(descr)
        + " (expected a type string, a list of fields or a (type, shape) pair)");
  }

  private static StructDType structOfFields(List<?> fields) {
    List<StructDType.Field> result = new ArrayList<>(fields.size());
    Set<String> namesAndTitles = new HashSet<>();
    long offset = 0;
    for (int index = 0; index < fields.size(); index++) {
      Object item = fields.get(index);
      List<?> parts = item instanceof Tuple t ? t.items() : item instanceof List<?> l ? l : null;
      if (parts == null || parts.size() < 2 || parts.size() > 3) {
        throw new IllegalArgumentException(
            "a field must be (name, type) or (name, type, shape), not " + describe(item));
      }
      String name;
      String title = null;
      Object nameLiteral = parts.get(0);
      if (nameLiteral instanceof String s) {
        name = s;
      } else if (nameLiteral instanceof Tuple t && t.items().size() == 2 && t.items().get(1) instanceof String n) {
        if (!(t.items().get(0) instanceof String titleText)) {
          throw new IllegalArgumentException("field title must be a string: " + describe(nameLiteral));
        }
        title = titleText;
        name = n;
      } else {
        throw new IllegalArgumentException(
            "a field name must be a string or a (title, name) pair, not " + describe(nameLiteral));
      }
      Shaped type = shapedOf(parts.get(1));
      if (parts.size() == 3) {
        type = subarray(type, shapeOf(parts.get(2), item), item);
      }
      long size = type.byteSize();
      boolean padding = name.isEmpty() && title == null
          && (type.shape().rank() > 0 || isVoid(type.dtype()));
      if (!padding) {
        if (name.isEmpty()) {
          name = "f" + index;
        }
        addUnique(namesAndTitles, name, "field name");
        if (title != null) {
          addUnique(namesAndTitles, title, "field title");
        }
        result.add(new StructDType.Field(name, title, type.dtype(), type.shape(), checkedItemSize(offset)));
      }
      offset = checkedEnd(offset, size);
    }
    return new StructDType(result, (int) offset);
  }

  private static boolean isVoid(DType dtype) {
    return dtype instanceof ScalarDType s && s.kind() == DTypeKind.VOID;
  }

  private static void addUnique(Set<String> seen, String name, String what) {
    if (!seen.add(name)) {
      throw new IllegalArgumentException(what + " " + PyLiteral.repr(name) + " is already used as a name or title");
    }
  }

  private static StructDType structOfDictForm(Map<?, ?> dict) {
    for (Object key : dict.keySet()) {
      if (!DICT_FORM_KEYS.contains(key)) {
        throw new IllegalArgumentException("unsupported key " + describe(key) + " in a dtype dict; accepted: "
            + "'names', 'formats', 'offsets', 'titles', 'itemsize'");
      }
    }
    List<?> names = listEntry(dict, "names", true);
    List<?> formats = listEntry(dict, "formats", true);
    List<?> offsets = listEntry(dict, "offsets", false);
    List<?> titles = listEntry(dict, "titles", false);
    for (List<?> other : new List<?>[] {formats, offsets, titles}) {
      if (other != null && other.size() != names.size()) {
        throw new IllegalArgumentException("a dtype dict needs as many names as formats, offsets and titles: "
            + describe(dict));
      }
    }
    List<StructDType.Field> fields = new ArrayList<>(names.size());
    Set<String> namesAndTitles = new HashSet<>();
    long end = 0;
    long packedOffset = 0;
    for (int i = 0; i < names.size(); i++) {
      if (!(names.get(i) instanceof String name) || name.isEmpty()) {
        throw new IllegalArgumentException("dtype dict field names must be non-empty strings: " + describe(names));
      }
      Object titleLiteral = titles == null ? PyLiteral.PyNone.INSTANCE : titles.get(i);
      String title = null;
      if (titleLiteral instanceof String t) {
        title = t;
      } else if (titleLiteral != PyLiteral.PyNone.INSTANCE) {
        throw new IllegalArgumentException("field title must be a string or None: " + describe(titleLiteral));
      }
      Shaped type = shapedOf(formats.get(i));
      long offset = packedOffset;
      if (offsets != null) {
        if (!(offsets.get(i) instanceof Long o) || o < 0) {
          throw new IllegalArgumentException("dtype dict offsets must be non-negative integers: " + describe(offsets));
        }
        offset = o;
      }
      addUnique(namesAndTitles, name, "field name");
      if (title != null) {
        addUnique(namesAndTitles, title, "field title");
      }
      fields.add(new StructDType.Field(name, title, type.dtype(), type.shape(), checkedItemSize(offset)));
      packedOffset = checkedEnd(offset, type.byteSize());
      end = Math.max(end, packedOffset);
    }
    long itemSize = end;
    Object itemSizeLiteral = dict.get("itemsize");
    if (itemSizeLiteral != null) {
      if (!(itemSizeLiteral instanceof Long size) || size < end) {
        throw new IllegalArgumentException("dtype dict itemsize " + describe(itemSizeLiteral)
            + " must be an integer of at least " + end + ", the end of the last field");
      }
      itemSize = checkedItemSize(size);
    }
    return new StructDType(fields, (int) itemSize);
  }

  private static List<?> listEntry(Map<?, ?> dict, String key, boolean required) {
    Object value = dict.get(key);
    if (value == null && !required) {
      return null;
    }
    if (value instanceof List<?> list) {
      return list;
    }
    if (value instanceof Tuple tuple) {
      return tuple.items();
    }
    throw new IllegalArgumentException("a dtype dict needs '" + key + "' as a list: " + describe(dict));
  }

  /** The end of {@code size} bytes at {@code offset}, which must stay within numpy's item size limit. */
  private static int checkedEnd(long offset, long size) {
    return checkedItemSize(size > Integer.MAX_VALUE ? Long.MAX_VALUE : offset + size);
  }

  private static int checkedItemSize(long size) {
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "structured type exceeds numpy's limit of " + Integer.MAX_VALUE + " bytes per item");
    }
    return (int) size;
  }

  private static Shape shapeOf(Object literal, Object context) {
    if (literal instanceof Long n) {
      return checkedShape(new long[] {n}, context);
    }
    if (literal instanceof Tuple tuple) {
      long[] dims = new long[tuple.items().size()];
      for (int i = 0; i < dims.length; i++) {
        if (!(tuple.items().get(i) instanceof Long d)) {
          throw new IllegalArgumentException("invalid subarray shape in " + describe(context));
        }
        dims[i] = d;
      }
      return checkedShape(dims, context);
    }
    throw new IllegalArgumentException("invalid subarray shape in " + describe(context)
        + ": a shape is an integer or a tuple of integers");
  }

  private static Shape checkedShape(long[] dims, Object context) {
    for (long d : dims) {
      if (d < 0) {
        throw new IllegalArgumentException("negative dimension in the subarray shape of " + describe(context));
      }
    }
    return Shape.of(dims);
  }

  private static Shape concat(Shape outer, Shape inner) {
    if (inner.rank() == 0) {
      return outer;
    }
    long[] dims = new long[outer.rank() + inner.rank()];
    System.arraycopy(outer.dims(), 0, dims, 0, outer.rank());
    System.arraycopy(inner.dims(), 0, dims, outer.rank(), inner.rank());
    return Shape.of(dims);
  }

  /**
   * A dtype string as {@code np.dtype(str)} reads it: a comma string (numpy's {@code _commastring}) when
   * {@link #isCommaString} says so, else exactly one type, with no subarray shape.
   */
  private static Shaped parseString(String text) {
    if (text.isEmpty()) {
      throw notUnderstood(text, null);
    }
    if (!isCommaString(text)) {
      return new Shaped(parseScalar(text, text), Shape.scalar());
    }
    // 'i4, (2,)f8' is [('f0', '<i4'), ('f1', '<f8', (2,))]; a trailing comma is allowed; '(2,)f8' alone is a subarray
    List<Shaped> items = new ArrayList<>();
    boolean isList = false;
    Matcher item = COMMA_ITEM.matcher(text);
    int pos = 0;
    while (pos < text.length()) {
      item.region(pos, text.length());
      item.lookingAt(); // every part is optional: it always matches, maybe nothing
      items.add(commaItem(item, text));
      pos = item.end();
      if (pos < text.length()) {
        int next = skipPythonWhitespace(text, pos);
        if (next < text.length()) {
          if (text.charAt(next) != ',') {
            throw notUnderstood(text, "format number " + items.size() + " is not recognized");
          }
          next = skipPythonWhitespace(text, next + 1);
          isList = true;
        }
        pos = next;
      }
    }
    if (!isList) {
      return items.get(0);
    }
    List<StructDType.Field> fields = new ArrayList<>(items.size());
    long offset = 0;
    for (int i = 0; i < items.size(); i++) {
      Shaped type = items.get(i);
      fields.add(new StructDType.Field("f" + i, null, type.dtype(), type.shape(), checkedItemSize(offset)));
      offset = checkedEnd(offset, type.byteSize());
    }
    return new Shaped(new StructDType(fields, (int) offset), Shape.scalar());
  }

  /**
   * numpy's test for a comma string ({@code _check_for_commastring}): a digit first (after an optional byte
   * order), an empty tuple {@code ()} first, or a comma outside square brackets. Anything else is one type.
   */
  private static boolean isCommaString(String text) {
    int n = text.length();
    if (isAsciiDigit(text.charAt(0)) || (n > 1 && isByteOrder(text.charAt(0)) && isAsciiDigit(text.charAt(1)))) {
      return true;
    }
    if ((n > 1 && text.startsWith("()")) || (n > 3 && isByteOrder(text.charAt(0)) && text.startsWith("()", 1))) {
      return true;
    }
    int squareBrackets = 0;
    for (int i = 0; i < n; i++) {
      char c = text.charAt(i);
      if (c == ',' && squareBrackets == 0) {
        return true;
      }
      squareBrackets += c == '[' ? 1 : c == ']' ? -1 : 0;
    }
    return false;
  }

  private static boolean isByteOrder(char c) {
    return c == '<' || c == '>' || c == '|' || c == '=';
  }

  /**
   * One item of a comma string, matched by numpy's {@code format_re}: byte order, repeats, byte order, type. The
   * repeats are a Python literal to numpy ({@code ast.literal_eval}), so {@code 02} is an error there and here.
   */
  private static Shaped commaItem(Matcher item, String text) {
    String order1 = item.group(1);
    String repeats = item.group(2);
    String order2 = item.group(3);
    String type = item.group(4);
    String nativeOrder = Endian.nativeOrder() == Endian.LITTLE ? "<" : ">";
    String order = order2.isEmpty() ? order1 : order1.isEmpty() ? order2 : null;
    if (order == null) {
      String first = order1.equals("=") ? nativeOrder : order1;
      String second = order2.equals("=") ? nativeOrder : order2;
      if (!first.equals(second)) {
        throw notUnderstood(text, "inconsistent byte orders " + first + " and " + second);
      }
      order = first;
    }
    if (order.equals("|") || order.equals("=") || order.equals(nativeOrder)) {
      order = "";
    }
    if (type.isEmpty() || isAsciiDigit(type.charAt(0))) {
      // numpy would read a type starting with a digit as a comma string of its own; one level is enough here
      throw notUnderstood(text, type.isEmpty() ? "a field without a type" : "bad field type '" + type + "'");
    }
    Shaped scalar = new Shaped(parseScalar(order + type, text), Shape.scalar());
    return repeats.isEmpty() ? scalar : subarray(scalar, repeatsShape(repeats, text), text);
  }

  private static Shape repeatsShape(String repeats, String text) {
    Object literal;
    try {
      literal = PyLiteral.parse(repeats);
    } catch (IllegalArgumentException e) {
      throw notUnderstood(text, "bad subarray shape '" + repeats.strip() + "': " + e.getMessage());
    }
    if (literal instanceof Long n) {
      return Shape.of(n);
    }
    if (literal instanceof Tuple tuple) {
      long[] dims = new long[tuple.items().size()];
      for (int i = 0; i < dims.length; i++) {
        dims[i] = (Long) tuple.items().get(i); // the pattern lets only digits, commas and spaces through
      }
      return Shape.of(dims);
    }
    throw notUnderstood(text, "bad subarray shape '" + repeats.strip() + "'");
  }

  /** The index after the whitespace from {@code pos}, as Python has it ({@code str.isspace}). */
  private static int skipPythonWhitespace(String text, int pos) {
    int i = pos;
    while (i < text.length() && isPythonWhitespace(text.charAt(i))) {
      i++;
    }
    return i;
  }

  private static boolean isPythonWhitespace(char c) {
    return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680
        || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
  }

  /**
   * {@code base} with an outer subarray shape. numpy refuses a shape on the unsized {@code S0}, {@code U0} and
   * {@code V0} ("invalid itemsize in generic type tuple"), or reads {@code (type, n)} there as an item size; so
   * that no text means one layout here and another to numpy, both are refused.
   */
  private static Shaped subarray(Shaped base, Shape shape, Object context) {
    if (base.dtype() instanceof ScalarDType scalar && scalar.kind().isFlexible() && scalar.itemSize() == 0) {
      throw new IllegalArgumentException("a subarray of the unsized type " + scalar + " in " + describe(context)
          + " is not a type numpy reads");
    }
    return new Shaped(base.dtype(), concat(shape, base.shape()));
  }

  /** Digits of sizes and shapes: ASCII only, as numpy reads them ({@code Character.isDigit} takes any script's). */
  private static boolean isAsciiDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isAsciiDigits(String text) {
    return text.chars().allMatch(c -> isAsciiDigit((char) c));
  }

  /** A single type: optional byte order, then a type name, a code with optional size, and datetime units. */
  private static ScalarDType parseScalar(String piece, String wholeText) {
    Endian endian = Endian.nativeOrder();
    String rest = piece;
    char order = piece.charAt(0);
    boolean orderGiven = order == '<' || order == '>' || order == '|' || order == '=';
    if (orderGiven) {
      endian = switch (order) {
        case '<' -> Endian.LITTLE;
        case '>' -> Endian.BIG;
        case '|' -> Endian.NOT_APPLICABLE;
        default -> Endian.nativeOrder();
      };
      rest = piece.substring(1);
    }
    String unitText = null;
    int bracket = rest.indexOf('[');
    if (bracket >= 0) {
      if (!rest.endsWith("]")) {
        throw notUnderstood(wholeText, "datetime unit must end with ']'");
      }
      unitText = rest.substring(bracket + 1, rest.length() - 1);
      rest = rest.substring(0, bracket);
    }
    if (LONG_DOUBLE_NAMES.contains(rest)) {
      throw longDouble(wholeText);
    }
    String code = TYPE_NAMES.get(rest);
    if (code != null && orderGiven && !rest.equals("datetime64") && !rest.equals("timedelta64")) {
      throw notUnderstood(wholeText, "a byte order goes with a type code such as '<f4', not with a type name");
    }
    if (code == null) {
      code = rest.length() == 1 && CHAR_CODES.containsKey(rest.charAt(0)) ? CHAR_CODES.get(rest.charAt(0)) : rest;
    }
    if (code.isEmpty()) {
      throw notUnderstood(wholeText, null);
    }
    char kindCode = code.charAt(0) == 'a' ? 'S' : code.charAt(0); // 'a' is numpy's old alias of 'S'
    String sizeText = code.substring(1);
    if (!isAsciiDigits(sizeText) || sizeText.length() > 10) {
      throw notUnderstood(wholeText, null);
    }
    // numpy takes '?' only alone, and the old 'a' without a size only without a byte order
    if ((kindCode == '?' && !sizeText.isEmpty()) || (code.charAt(0) == 'a' && orderGiven && sizeText.isEmpty())) {
      throw notUnderstood(wholeText, null);
    }
    long size = sizeText.isEmpty() ? -1 : Long.parseLong(sizeText);
    if (kindCode == 'g' || kindCode == 'G') {
      throw longDouble(wholeText);
    }
    DTypeKind kind;
    try {
      kind = DTypeKind.fromCode(kindCode == '?' ? 'b' : kindCode);
    } catch (IllegalArgumentException unknownKind) {
      throw notUnderstood(wholeText, null);
    }
    if (unitText != null && !kind.isTemporal()) {
      throw notUnderstood(wholeText, "only datetime64 and timedelta64 take a unit in brackets");
    }
    switch (kind) {
      case BYTES:
      case VOID:
      case UNICODE: {
        long bytes = Math.max(size, 0) * (kind == DTypeKind.UNICODE ? 4 : 1);
        if (bytes > Integer.MAX_VALUE) {
          throw notUnderstood(wholeText, "more than " + Integer.MAX_VALUE + " bytes per item");
        }
        return ScalarDType.of(kind, kind == DTypeKind.UNICODE ? endian : Endian.NOT_APPLICABLE, (int) bytes);
      }
      case OBJECT:
        if (size != -1 && size != 4 && size != 8) {
          throw notUnderstood(wholeText, null);
        }
        return ScalarDType.object();
      case DATETIME:
      case TIMEDELTA: {
        if ((size != -1 && size != 8) || (size == -1 && unitText != null)) {
          throw notUnderstood(wholeText, null); // numpy takes 'M' and 'M8[s]', not 'M[s]'
        }
        DateUnit unit = DateUnit.GENERIC;
        long multiplier = 1;
        if (unitText != null) {
          int digitsEnd = unitText.startsWith("+") ? 1 : 0;
          while (digitsEnd < unitText.length() && isAsciiDigit(unitText.charAt(digitsEnd))) {
            digitsEnd++;
          }
          String multiplierText = unitText.substring(unitText.startsWith("+") ? 1 : 0, digitsEnd);
          String symbol = unitText.substring(digitsEnd);
          unit = dateUnit(symbol, wholeText);
          if (!multiplierText.isEmpty()) {
            if (multiplierText.length() > 10 || Long.parseLong(multiplierText) > Integer.MAX_VALUE
                || Long.parseLong(multiplierText) < 1) {
              throw notUnderstood(wholeText, "datetime unit multiplier must be between 1 and " + Integer.MAX_VALUE);
            }
            multiplier = Long.parseLong(multiplierText);
          }
          if (unit == DateUnit.GENERIC && multiplier != 1) {
            throw notUnderstood(wholeText, "the generic datetime unit takes no multiplier");
          }
        }
        return ScalarDType.datetime(kind, endian, unit, multiplier);
      }
      default: {
        if (size == -1 || size > Integer.MAX_VALUE) {
          throw notUnderstood(wholeText, null); // 'u' and the like need a size; an int cast would wrap the others
        }
        if ((kind == DTypeKind.FLOAT && (size == 12 || size == 16))
            || (kind == DTypeKind.COMPLEX && (size == 24 || size == 32))) {
          throw longDouble(wholeText);
        }
        try {
          return ScalarDType.of(kind, endian, (int) size);
        } catch (IllegalArgumentException badSize) {
          throw notUnderstood(wholeText, badSize.getMessage());
        }
      }
    }
  }

  private static DateUnit dateUnit(String symbol, String wholeText) {
    if (symbol.equals("generic")) {
      return DateUnit.GENERIC;
    }
    if (symbol.equals("\u03bcs")) {
      return DateUnit.MICROSECOND; // numpy accepts the micro sign for us
    }
    if (!symbol.isEmpty()) {
      for (DateUnit unit : DateUnit.values()) {
        if (unit.symbol().equals(symbol)) {
          return unit;
        }
      }
    }
    throw notUnderstood(wholeText, "unknown datetime unit '" + symbol + "'; units are Y M W D h m s ms us ns ps fs as");
  }

  private static IllegalArgumentException notUnderstood(String text, String detail) {
    return new IllegalArgumentException("data type " + PyLiteral.repr(text) + " not understood"
        + (detail == null ? "" : ": " + detail));
  }

  private static IllegalArgumentException longDouble(String text) {
    return new IllegalArgumentException("data type " + PyLiteral.repr(text) + " is a long double, which is not "
        + "supported: its bytes differ between platforms; convert it with astype('<f8') (or '<c16') first");
  }

  private static String describe(Object literal) {
    String text = literal instanceof String s ? PyLiteral.repr(s) : PyLiteral.repr(literal);
    return text.length() > 200 ? text.substring(0, 200) + "..." : text;
  }
}
