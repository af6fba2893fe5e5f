package io.sparkmemmap.format;

import io.sparkmemmap.format.StructDType.Field;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * Generators for the format fuzz properties: valid dtypes, shapes and descr texts; headers as numpy and older
 * writers make them; archives as {@link ZipOutputStream}, numpy and {@link ZipBuilder} make them; and mutations of
 * all of these, from bit flips to structure-aware edits (header text edits that keep the length field right, zip
 * record fields set to boundary values) that get past the first checks and reach the deep paths.
 */
final class FormatArbitraries {
  private FormatArbitraries() {}

  // ---------------------------------------------------------------------------------------------- dtypes

  private record KindSize(DTypeKind kind, int size) {}

  private static final List<KindSize> FIXED_SIZES = List.of(
      new KindSize(DTypeKind.BOOL, 1),
      new KindSize(DTypeKind.INT, 1), new KindSize(DTypeKind.INT, 2), new KindSize(DTypeKind.INT, 4),
      new KindSize(DTypeKind.INT, 8), new KindSize(DTypeKind.UINT, 1), new KindSize(DTypeKind.UINT, 2),
      new KindSize(DTypeKind.UINT, 4), new KindSize(DTypeKind.UINT, 8), new KindSize(DTypeKind.FLOAT, 2),
      new KindSize(DTypeKind.FLOAT, 4), new KindSize(DTypeKind.FLOAT, 8), new KindSize(DTypeKind.COMPLEX, 8),
      new KindSize(DTypeKind.COMPLEX, 16));

  /** Every scalar type the model holds, with any byte order (the model normalizes it as numpy does). */
  static Arbitrary<ScalarDType> scalars() {
    Arbitrary<Endian> endian = Arbitraries.of(Endian.class);
    Arbitrary<ScalarDType> fixed = Combinators.combine(Arbitraries.of(FIXED_SIZES), endian)
        .as((ks, e) -> ScalarDType.of(ks.kind(), e, ks.size()));
    Arbitrary<Integer> flexibleSize = Arbitraries.frequencyOf(
        Tuple.of(12, Arbitraries.integers().between(0, 24)),
        Tuple.of(1, Arbitraries.integers().between(0, Integer.MAX_VALUE)));
    Arbitrary<ScalarDType> flexible = Combinators
        .combine(Arbitraries.of(DTypeKind.BYTES, DTypeKind.VOID, DTypeKind.UNICODE), endian, flexibleSize)
        .as((k, e, n) -> ScalarDType.of(k, e, k == DTypeKind.UNICODE ? n / 4 * 4 : n));
    Arbitrary<Long> multiplier = Arbitraries.frequencyOf(
        Tuple.of(6, Arbitraries.just(1L)),
        Tuple.of(3, Arbitraries.longs().between(2, 1000)),
        Tuple.of(1, Arbitraries.of((long) Integer.MAX_VALUE, Integer.MAX_VALUE - 1L)));
    Arbitrary<ScalarDType> temporal = Combinators
        .combine(Arbitraries.of(DTypeKind.DATETIME, DTypeKind.TIMEDELTA), endian, Arbitraries.of(DateUnit.class),
            multiplier)
        .as((k, e, u, m) -> ScalarDType.datetime(k, e, u, m))
        .ignoreException(IllegalArgumentException.class);
    return Arbitraries.frequencyOf(
        Tuple.of(6, fixed), Tuple.of(3, flexible), Tuple.of(3, temporal), Tuple.of(1, Arbitraries.just(ScalarDType.object())));
  }

  /** Scalars and structured types nested up to two levels, with titles, subarrays and padding. */
  static Arbitrary<DType> dtypes() {
    return dtypes(2);
  }

  private static Arbitrary<DType> dtypes(int depth) {
    Arbitrary<DType> scalar = scalars().map(DType.class::cast);
    if (depth <= 0) {
      return scalar;
    }
    return Arbitraries.frequencyOf(
        Tuple.of(3, scalar), Tuple.of(2, Arbitraries.lazy(() -> structs(depth - 1)).map(DType.class::cast)));
  }

  private record FieldSpec(String name, String title, DType dtype, Shape shape, int gap) {}

  private static Arbitrary<StructDType> structs(int depth) {
    Arbitrary<Integer> gap = Arbitraries.frequencyOf(
        Tuple.of(6, Arbitraries.just(0)), Tuple.of(1, Arbitraries.integers().between(1, 9)));
    Arbitrary<FieldSpec> field = Combinators
        .combine(fieldNames(), fieldNames().injectNull(0.8), dtypes(depth), fieldShapes(), gap)
        .as(FieldSpec::new);
    return Combinators.combine(field.list().ofMaxSize(4), gap)
        .as(FormatArbitraries::struct)
        .ignoreException(IllegalArgumentException.class);
  }

  /** Thousands of fields, for headers over 64 KiB (format 2.0). */
  private static Arbitrary<DType> wideStructs() {
    return Combinators.combine(Arbitraries.integers().between(2000, 3500), scalars().filter(s -> !s.containsObject()))
        .as((count, type) -> {
          List<FieldSpec> specs = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            specs.add(new FieldSpec("column_" + i, null, type, Shape.scalar(), 0));
          }
          return (DType) struct(specs, 0);
        })
        .ignoreException(IllegalArgumentException.class);
  }

  /** Fields in order at running offsets with the given gaps; names and titles made unique as numpy needs. */
  private static StructDType struct(List<FieldSpec> specs, int trailing) {
    Set<String> used = new HashSet<>();
    List<Field> fields = new ArrayList<>(specs.size());
    long offset = 0;
    for (FieldSpec spec : specs) {
      String name = unique(spec.name(), used);
      String title = spec.title() == null ? null : unique(spec.title(), used);
      offset += spec.gap();
      Field field = new Field(name, title, spec.dtype(), spec.shape(), intSize(offset));
      fields.add(field);
      offset += field.byteSize();
    }
    return new StructDType(fields, intSize(offset + trailing));
  }

  private static int intSize(long size) {
    if (size > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("beyond numpy's item size");
    }
    return (int) size;
  }

  private static String unique(String name, Set<String> used) {
    String candidate = name;
    for (int i = 0; !used.add(candidate); i++) {
      candidate = name + "~" + i;
    }
    return candidate;
  }

  private static Arbitrary<Shape> fieldShapes() {
    return Arbitraries.frequencyOf(
        Tuple.of(5, Arbitraries.just(Shape.scalar())),
        Tuple.of(2, Arbitraries.longs().between(0, 4).array(long[].class).ofMinSize(1).ofMaxSize(3).map(Shape::of)));
  }

  /** Array shapes: mostly small, sometimes with dimensions up to Long.MAX_VALUE. */
  static Arbitrary<Shape> arrayShapes() {
    Arbitrary<Long> dim = Arbitraries.frequencyOf(
        Tuple.of(10, Arbitraries.longs().between(0, 12)),
        Tuple.of(1, Arbitraries.longs().between(0, Long.MAX_VALUE)));
    return dim.array(long[].class).ofMaxSize(4).map(Shape::of).ignoreException(IllegalArgumentException.class);
  }

  private static final List<String> NAME_PARTS = List.of(
      "a", "b", "t", "x", "f0", "f1", "name", "_", "9", "'", "\"", "\\", "\n", "\t", "\r", "\0", "\u007f", "\u0085",
      "\u00a0", "\u00e9", "\u00ff", "\u6e29\u5ea6", "\uD83D\uDE00", "\uD800", "\uDFFF", "\u2028", "\uFEFF", "\u00ad",
      "\u0378", "\uFFFF", " ", "u'", "\\x41", "{", "}", "(", ")", "[", "]", ",", ":");

  /**
   * Field names with what Python's repr escapes or keeps: quotes, controls, latin-1, CJK, astral characters, lone
   * surrogates, unassigned code points; mostly from a pool of parts (cheap to generate), sometimes any characters.
   */
  static Arbitrary<String> fieldNames() {
    Arbitrary<String> part = Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.of(NAME_PARTS)), Tuple.of(1, Arbitraries.strings().all().ofMinLength(1).ofMaxLength(3)));
    return part.list().ofMinSize(1).ofMaxSize(3).map(parts -> String.join("", parts));
  }

  // ----------------------------------------------------------------------------------------- descr text

  private static final List<String> TYPE_NAMES = List.of(
      "bool", "bool_", "int8", "byte", "uint8", "ubyte", "int16", "short", "uint16", "ushort", "int32", "intc",
      "uint32", "uintc", "int64", "long", "longlong", "intp", "int", "int_", "uint64", "ulong", "ulonglong", "uintp",
      "uint", "float16", "half", "float32", "single", "float64", "double", "float", "complex64", "csingle",
      "complex128", "cdouble", "complex", "object", "object_", "str", "str_", "bytes", "bytes_", "void",
      "datetime64", "timedelta64", "longdouble", "clongdouble", "float96", "float128", "complex256", "Float32",
      "int128", "float8", "?", "b", "B", "h", "H", "i", "I", "l", "L", "q", "Q", "p", "P", "n", "N", "e", "f", "d",
      "F", "D", "c", "g", "G", "O", "S", "U", "V", "M", "m", "a", "x", "");

  private static final List<String> SIZE_TEXTS = List.of(
      "", "0", "1", "2", "3", "4", "8", "12", "16", "32", "01", "004", "2147483647", "2147483648", "4294967296",
      "4294967297", "4294967300", "4294967304", "9999999999", "99999999999", "-1", "\u0664", "\uff18", "4\u0664");

  /** dtype text as users and files write it, valid and not: the bases that text edits then mutate. */
  static Arbitrary<String> descrTexts() {
    return Arbitraries.frequencyOf(
        Tuple.of(4, simpleDescrTexts()),
        Tuple.of(2, commaDescrTexts()),
        Tuple.of(3, dtypes().map(NumpyDescr::toDescr).ignoreException(IllegalArgumentException.class)),
        Tuple.of(1, dictFormTexts()),
        Tuple.of(1, deeplyNestedTexts()));
  }

  private static Arbitrary<String> simpleDescrTexts() {
    Arbitrary<String> order = Arbitraries.of("", "", "<", ">", "|", "=");
    Arbitrary<String> sized = Combinators
        .combine(Arbitraries.of("b", "i", "u", "f", "c", "S", "U", "V", "M", "m", "O", "a", "g", "G", "?", "x"),
            Arbitraries.oneOf(Arbitraries.of(SIZE_TEXTS), Arbitraries.longs().map(String::valueOf)))
        .as(String::concat);
    Arbitrary<String> multiplier = Arbitraries.of(
        "", "", "1", "+5", "10", "0", "2147483647", "2147483648", "4294967297", "99999999999", "\u0663", "01");
    Arbitrary<String> unit = Arbitraries.of(
        "Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as", "generic", "\u03bcs", "B", "");
    Arbitrary<String> bracket = Arbitraries.oneOf(
        Arbitraries.just(""),
        Combinators.combine(multiplier, unit).as((m, u) -> "[" + m + u + "]"),
        Arbitraries.of("[", "]", "[]", "[+]", "[-5s]", "[ 5s]", "[5 s]", "[10]", "[ns", "[ns]]", "[[ns]]"));
    Arbitrary<String> temporal = Combinators
        .combine(Arbitraries.of("M8", "m8", "M", "m", "M4", "datetime64", "timedelta64", "f8"), bracket)
        .as(String::concat);
    Arbitrary<String> body = Arbitraries.oneOf(sized, Arbitraries.of(TYPE_NAMES), temporal);
    return Combinators.combine(order, body).as(String::concat);
  }

  private static Arbitrary<String> commaDescrTexts() {
    Arbitrary<String> prefix = Arbitraries.of("", "", "", "(2,)", "(2,3)", "3", "()", "(0,)", "( 2 , 3 )", "02",
        "(4294967296,4294967296)", "(", "(2", "\u0663", "(-1,)", "(99999999999999999999,)");
    Arbitrary<String> piece = Combinators.combine(prefix, simpleDescrTexts()).as(String::concat);
    return Combinators.combine(piece.list().ofMinSize(1).ofMaxSize(5), Arbitraries.of(",", ", ", " ,"),
            Arbitraries.of("", ",", ",,"))
        .as((pieces, separator, end) -> String.join(separator, pieces) + end);
  }

  /** numpy's dict form: names, formats, and sometimes offsets (any order, overlapping), titles and an itemsize. */
  private static Arbitrary<String> dictFormTexts() {
    Arbitrary<List<String>> names = fieldNames().list().ofMaxSize(4);
    Arbitrary<String> format = simpleDescrTexts().map(PyLiteral::repr);
    return names.flatMap(n -> Combinators.combine(
            format.list().ofSize(n.size()),
            Arbitraries.integers().between(0, 64).list().ofSize(n.size()).injectNull(0.5),
            fieldNames().injectNull(0.5).list().ofSize(n.size()).injectNull(0.7),
            Arbitraries.integers().between(-1, 128).injectNull(0.5))
        .as((formats, offsets, titles, itemSize) -> {
          StringBuilder sb = new StringBuilder("{'names': ").append(PyLiteral.repr(n));
          sb.append(", 'formats': [").append(String.join(", ", formats)).append(']');
          if (offsets != null) {
            sb.append(", 'offsets': ").append(offsets);
          }
          if (titles != null) {
            sb.append(", 'titles': [");
            for (int i = 0; i < titles.size(); i++) {
              sb.append(i > 0 ? ", " : "").append(titles.get(i) == null ? "None" : PyLiteral.repr(titles.get(i)));
            }
            sb.append(']');
          }
          if (itemSize != null) {
            sb.append(", 'itemsize': ").append(itemSize);
          }
          return sb.append('}').toString();
        }));
  }

  /** Nesting around the parser's depth limit and far past it, in every bracket kind a descr uses. */
  private static Arbitrary<String> deeplyNestedTexts() {
    Arbitrary<Integer> depth = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.integers().between(1, 40)), Tuple.of(1, Arbitraries.integers().between(40, 20000)));
    Arbitrary<String[]> wrapper = Arbitraries.of(
        new String[] {"[('a', ", ")]"}, new String[] {"(", ",)"}, new String[] {"(", ")"}, new String[] {"[", "]"},
        new String[] {"{'names': ['a'], 'formats': [", "]}"}, new String[] {"(", ", (2,))"},
        new String[] {"[('a', ", ", (1,))]"}, new String[] {"[(('t', 'n'), ", ")]"});
    return Combinators.combine(wrapper, depth, Arbitraries.of("'<f4'", "", "1", "'i4,f4'"))
        .as((w, n, core) -> w[0].repeat(n) + core + w[1].repeat(n));
  }

  private static final List<String> TEXT_TOKENS = List.of(
      "(", ")", "[", "]", "{", "}", "'", "\"", ",", ":", " ", "\\", "\\x", "\\u", "\\U0010ffff", "\\U00110000",
      "\\xff", "\\ud800", "u'", "L", "-", "+", "0", "9", "99999999999999999999", "9223372036854775808",
      "-9223372036854775808", "True", "None", "False", "<", ">", "|", "=", "f4", "S", "U", "V", "M8[", "ns]", "\n",
      "\0", "\u6e29", "\uD800", "'': '", "'names'", "'formats'", "'offsets'", "'itemsize'", "'titles'", "'descr'",
      "'shape'", "'fortran_order'", "(('t', 'n'), '<i2')", "('', '|V3')", ", (2,)", "[('a', '<f4')]", "()", "(1,)");

  /** An insertion, deletion, replacement or duplication of text, at a position taken modulo the length. */
  record TextEdit(int position, int length, int token, int kind) {
    String apply(String text) {
      int at = Math.floorMod(position, text.length() + 1);
      int end = Math.min(text.length(), at + length);
      String insert = TEXT_TOKENS.get(Math.floorMod(token, TEXT_TOKENS.size()));
      return switch (Math.floorMod(kind, 4)) {
        case 0 -> text.substring(0, at) + insert + text.substring(at);
        case 1 -> text.substring(0, at) + text.substring(end);
        case 2 -> text.substring(0, at) + insert + text.substring(end);
        default -> text.substring(0, end) + text.substring(at, end) + text.substring(end);
      };
    }
  }

  private static Arbitrary<TextEdit> textEdits() {
    return Combinators.combine(Arbitraries.integers().between(0, 1 << 20), Arbitraries.integers().between(0, 12),
        Arbitraries.integers().between(0, TEXT_TOKENS.size() - 1), Arbitraries.integers().between(0, 3))
        .as(TextEdit::new);
  }

  /** Lists of one to three text edits. */
  static Arbitrary<List<TextEdit>> textEditLists() {
    return textEdits().list().ofMinSize(1).ofMaxSize(3);
  }

  static String edit(String text, List<TextEdit> edits) {
    String result = text;
    for (TextEdit edit : edits) {
      result = edit.apply(result);
    }
    return result;
  }

  // ------------------------------------------------------------------------------------------- headers

  /** A byte-level or structure-aware change to a file. */
  interface Mutation {
    byte[] apply(byte[] input);
  }

  private record FlipBit(int position, int bit) implements Mutation {
    public byte[] apply(byte[] input) {
      if (input.length == 0) {
        return input;
      }
      byte[] out = input.clone();
      out[Math.floorMod(position, out.length)] ^= (byte) (1 << Math.floorMod(bit, 8));
      return out;
    }
  }

  private record SetByte(int position, byte value) implements Mutation {
    public byte[] apply(byte[] input) {
      if (input.length == 0) {
        return input;
      }
      byte[] out = input.clone();
      out[Math.floorMod(position, out.length)] = value;
      return out;
    }
  }

  private record Truncate(int keep) implements Mutation {
    public byte[] apply(byte[] input) {
      return Arrays.copyOf(input, Math.floorMod(keep, input.length + 1));
    }
  }

  private record InsertBytes(int position, byte[] bytes) implements Mutation {
    public byte[] apply(byte[] input) {
      int at = Math.floorMod(position, input.length + 1);
      byte[] out = new byte[input.length + bytes.length];
      System.arraycopy(input, 0, out, 0, at);
      System.arraycopy(bytes, 0, out, at, bytes.length);
      System.arraycopy(input, at, out, at + bytes.length, input.length - at);
      return out;
    }

    @Override
    public String toString() {
      return "InsertBytes[position=" + position + ", bytes=" + FormatContracts.hex(bytes, 0, bytes.length) + "]";
    }
  }

  private record DeleteBytes(int position, int length) implements Mutation {
    public byte[] apply(byte[] input) {
      int at = Math.floorMod(position, input.length + 1);
      int end = Math.min(input.length, at + length);
      byte[] out = new byte[input.length - (end - at)];
      System.arraycopy(input, 0, out, 0, at);
      System.arraycopy(input, end, out, at, input.length - end);
      return out;
    }
  }

  /** Overwrites the .npy header length field (2 or 4 bytes after the version) with a boundary value. */
  private record SetHeaderLength(long value) implements Mutation {
    public byte[] apply(byte[] input) {
      if (input.length < 12) {
        return input;
      }
      byte[] out = input.clone();
      ByteBuffer buffer = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
      if (out[6] == 1) {
        buffer.putShort(8, (short) value);
      } else {
        buffer.putInt(8, (int) value);
      }
      return out;
    }
  }

  /** Edits the header text and writes the length field that fits the new text, so the edit reaches the parser. */
  private record HeaderTextEdit(TextEdit edit) implements Mutation {
    public byte[] apply(byte[] input) {
      if (input.length < 10) {
        return input;
      }
      int prefix = input[6] == 1 ? 10 : 12;
      if (input.length < prefix) {
        return input;
      }
      ByteBuffer buffer = ByteBuffer.wrap(input).order(ByteOrder.LITTLE_ENDIAN);
      long length = prefix == 10 ? buffer.getShort(8) & 0xFFFF : buffer.getInt(8) & 0xFFFF_FFFFL;
      int textEnd = (int) Math.min(input.length, prefix + length);
      // latin-1 maps bytes to chars one to one; tokens go in as their UTF-8 bytes
      String text = new String(input, prefix, textEnd - prefix, StandardCharsets.ISO_8859_1);
      String edited = edit.apply(text);
      byte[] editedBytes = new String(edited.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1)
          .getBytes(StandardCharsets.ISO_8859_1);
      if (prefix == 10 && editedBytes.length > 0xFFFF) {
        return input;
      }
      ByteBuffer out = ByteBuffer.allocate(prefix + editedBytes.length + input.length - textEnd)
          .order(ByteOrder.LITTLE_ENDIAN);
      out.put(input, 0, 8);
      if (prefix == 10) {
        out.putShort((short) editedBytes.length);
      } else {
        out.putInt(editedBytes.length);
      }
      out.put(editedBytes).put(input, textEnd, input.length - textEnd);
      return out.array();
    }
  }

  private static final List<Long> LENGTH_VALUES = List.of(
      0L, 1L, 9L, 10L, 11L, 63L, 64L, 118L, 0x7FFFL, 0x8000L, 0xFFFFL, 0x1_0000L,
      (long) NpyHeader.DEFAULT_MAX_HEADER_BYTES, NpyHeader.DEFAULT_MAX_HEADER_BYTES + 1L, 0x7FFF_FFFFL, 0x8000_0000L,
      0xFFFF_FFFFL);

  private static Arbitrary<Mutation> byteMutations() {
    Arbitrary<Integer> position = Arbitraries.integers().between(0, 1 << 20);
    return Arbitraries.oneOf(
        Combinators.combine(position, Arbitraries.integers().between(0, 7)).as(FlipBit::new),
        Combinators.combine(position, Arbitraries.bytes()).as(SetByte::new),
        Arbitraries.integers().between(0, 1 << 20).map(Truncate::new),
        Combinators.combine(position, Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(16))
            .as(InsertBytes::new),
        Combinators.combine(position, Arbitraries.integers().between(1, 64)).as(DeleteBytes::new));
  }

  private static Arbitrary<Mutation> headerMutations() {
    Arbitrary<Mutation> version = Combinators
        .combine(Arbitraries.of((byte) 0, (byte) 1, (byte) 2, (byte) 3, (byte) 4, (byte) 0xFF), Arbitraries.of(0, 1))
        .as((major, minorChange) -> (Mutation) bytes -> {
          byte[] out = new SetByte(6, major).apply(bytes);
          return minorChange == 1 ? new SetByte(7, (byte) 1).apply(out) : out;
        });
    return Arbitraries.frequencyOf(
        Tuple.of(4, byteMutations()),
        Tuple.of(1, Arbitraries.oneOf(Arbitraries.of(LENGTH_VALUES), Arbitraries.longs().between(0, 0xFFFF_FFFFL))
            .map(SetHeaderLength::new)),
        Tuple.of(1, version),
        Tuple.of(6, textEdits().map(HeaderTextEdit::new)));
  }

  /** numpy's own headers for generated arrays, with a few data bytes after them. */
  static Arbitrary<byte[]> encodedHeaders() {
    return encodedHeaders(dtypes());
  }

  private static Arbitrary<byte[]> encodedHeaders(Arbitrary<DType> dtypes) {
    return Combinators
        .combine(dtypes.filter(d -> !d.containsObject()), Arbitraries.of(false, true), arrayShapes(),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(16))
        .as((dtype, fortran, shape, data) -> NpyHeaderTest.concat(NpyHeader.encode(dtype, fortran, shape), data));
  }

  /** Headers as older numpy, Python 2 and other writers made them: other alignment, key order, spellings. */
  private static Arbitrary<byte[]> handWrittenHeaders() {
    Arbitrary<String> descr = Arbitraries.oneOf(
        simpleDescrTexts().map(PyLiteral::repr),
        dtypes().map(NumpyDescr::toDescr).ignoreException(IllegalArgumentException.class),
        Arbitraries.of("'<f4'", "'=f4'", "'float32'", "u'<i8'", "\"<f8\"", "'|O'", "[('a', '<i4'), ('b', 'O')]"));
    Arbitrary<String> fortran = Arbitraries.of("True", "False", "1", "None", "'False'");
    Arbitrary<String> shape = Arbitraries.oneOf(
        arrayShapes().map(Shape::toString),
        Arbitraries.of("()", "(3,)", "(3L, 4L)", "(0,)", "(-1,)", "(9223372036854775807, 2)", "[3]", "3",
            "(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,"
                + " 29, 30, 31, 32, 33)"));
    Arbitrary<String> text = Combinators
        .combine(descr, fortran, shape, Arbitraries.integers().between(0, 5), Arbitraries.of("", ", ", ","))
        .as((d, f, s, order, end) -> {
          List<String> items = new ArrayList<>(List.of("'descr': " + d, "'fortran_order': " + f, "'shape': " + s));
          for (int i = 0; i < order; i++) {
            items.add(items.remove(0));
          }
          if (order == 5) {
            items.remove(0);
          }
          return "{" + String.join(", ", items) + end + "}";
        });
    return Combinators.combine(text, Arbitraries.of(1, 2, 3), Arbitraries.of(1, 16, 64))
        .as((t, major, align) -> NpyHeaderTest.handWritten(major, 0, t, align,
            major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1));
  }

  /**
   * The headers that mutations start from: numpy's (sometimes of thousands of fields, over 64 KiB), hand-written
   * ones, and random bytes after a magic string or not.
   */
  static Arbitrary<byte[]> headerBases() {
    Arbitrary<byte[]> random = Combinators
        .combine(Arbitraries.of(new byte[0], new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'},
            new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}, new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 3, 0}),
            Arbitraries.bytes().array(byte[].class).ofMaxSize(200))
        .as(NpyHeaderTest::concat);
    return Arbitraries.frequencyOf(
        Tuple.of(12, encodedHeaders()), Tuple.of(1, encodedHeaders(wideStructs())),
        Tuple.of(8, handWrittenHeaders()), Tuple.of(2, random));
  }

  /** Lists of one to four header mutations. */
  static Arbitrary<List<Mutation>> headerMutationLists() {
    return headerMutations().list().ofMinSize(1).ofMaxSize(4);
  }

  static byte[] mutate(byte[] bytes, List<Mutation> mutations) {
    byte[] result = bytes;
    for (Mutation m : mutations) {
      result = m.apply(result);
    }
    return result;
  }

  private static Arbitrary<byte[]> mutated(Arbitrary<byte[]> base, Arbitrary<Mutation> mutation) {
    return Combinators.combine(base, mutation.list().ofMinSize(1).ofMaxSize(4)).as(FormatArbitraries::mutate);
  }

  // ------------------------------------------------------------------------------------------ archives

  /** An archive entry as the generators make it. */
  record EntrySpec(String name, byte[] content, boolean deflate) {
    @Override
    public String toString() {
      return "EntrySpec[name=" + PyLiteral.repr(name) + ", " + content.length + " bytes, deflate=" + deflate + "]";
    }
  }

  /** A well-formed archive and the entries it was made of. */
  record Archive(List<EntrySpec> entries, byte[] bytes) {
    @Override
    public String toString() {
      return "Archive" + entries + " " + FormatContracts.hex(bytes, 0, bytes.length);
    }
  }

  private static Arbitrary<List<EntrySpec>> entrySpecs() {
    Arbitrary<String> name = Arbitraries.oneOf(
        Arbitraries.of("a.npy", "b.npy", "x", "", "dir/a.npy", "\u6e29\u5ea6.npy", ".npy"),
        fieldNames().map(n -> n + ".npy"));
    Arbitrary<byte[]> content = Arbitraries.frequencyOf(
        Tuple.of(6, encodedHeaders()), Tuple.of(3, Arbitraries.bytes().array(byte[].class).ofMaxSize(300)),
        Tuple.of(1, Arbitraries.integers().between(0, 70000).map(n -> new byte[n])));
    // a zip stores names as UTF-8: what a lone surrogate becomes there is what the archive holds
    return Combinators.combine(name.map(n -> new String(n.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8)),
        content, Arbitraries.of(false, true)).as(EntrySpec::new).list().ofMaxSize(4);
  }

  /** What {@link ZipOutputStream} writes: deflated entries with data descriptors, stored entries without. */
  private static byte[] javaZip(List<EntrySpec> entries, String comment) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(bytes, StandardCharsets.UTF_8)) {
      for (EntrySpec spec : entries) {
        ZipEntry entry = new ZipEntry(spec.name());
        if (!spec.deflate()) {
          CRC32 crc = new CRC32();
          crc.update(spec.content());
          entry.setMethod(ZipEntry.STORED);
          entry.setSize(spec.content().length);
          entry.setCompressedSize(spec.content().length);
          entry.setCrc(crc.getValue());
        }
        zip.putNextEntry(entry);
        zip.write(spec.content());
        zip.closeEntry();
      }
      zip.setComment(comment);
    } catch (IOException e) {
      throw new IllegalArgumentException("ZipOutputStream refuses these entries", e);
    }
    return bytes.toByteArray();
  }

  /** numpy's layout (ZIP64 extra fields in local headers), optionally ZIP64 throughout and behind a stub. */
  private static byte[] numpyLikeZip(List<EntrySpec> entries, boolean zip64, byte[] prefix) {
    ZipBuilder builder = new ZipBuilder().prefix(prefix);
    if (zip64) {
      builder.zip64();
    }
    for (EntrySpec spec : entries) {
      builder.add(spec.name(), spec.content(), spec.deflate());
    }
    return builder.build();
  }

  /** Well-formed archives from both writers, with the entries they hold. */
  static Arbitrary<Archive> wellFormedArchives() {
    Arbitrary<Archive> java = Combinators.combine(entrySpecs(), Arbitraries.of("", "comment", "PK\u0005\u0006"))
        .as((entries, comment) -> new Archive(entries, javaZip(entries, comment)))
        .ignoreException(IllegalArgumentException.class);
    Arbitrary<Archive> numpyLike = Combinators
        .combine(entrySpecs(), Arbitraries.of(false, true), Arbitraries.bytes().array(byte[].class).ofMaxSize(40))
        .as((entries, zip64, prefix) -> new Archive(entries, numpyLikeZip(entries, zip64, prefix)));
    return Arbitraries.oneOf(java, numpyLike);
  }

  private static Arbitrary<byte[]> wellFormedZips() {
    return wellFormedArchives().map(Archive::bytes);
  }

  private static final int LOCAL = 0x04034b50;
  private static final int CENTRAL = 0x02014b50;
  private static final int END = 0x06054b50;
  private static final int ZIP64_END = 0x06064b50;
  private static final int ZIP64_LOCATOR = 0x07064b50;
  private static final int[] SIGNATURES = {LOCAL, CENTRAL, END, ZIP64_END, ZIP64_LOCATOR};

  /**
   * Sets one field of one zip record (found by its signature) to a boundary value for its width: 0, 1, all ones,
   * the high bit, the archive size and its neighbours, the record's own position, or the old value plus or minus
   * one. Fields include those of the ZIP64 extra field after a central or local header's name.
   */
  private record SetZipField(int signature, int occurrence, int field, int choice, long random) implements Mutation {
    public byte[] apply(byte[] input) {
      int sig = SIGNATURES[Math.floorMod(signature, SIGNATURES.length)];
      List<Integer> positions = new ArrayList<>();
      for (int p = 0; p + 4 <= input.length; p++) {
        if ((input[p] & 0xFF | (input[p + 1] & 0xFF) << 8 | (input[p + 2] & 0xFF) << 16 | input[p + 3] << 24) == sig) {
          positions.add(p);
        }
      }
      if (positions.isEmpty()) {
        return input;
      }
      int start = positions.get(Math.floorMod(occurrence, positions.size()));
      int[][] fields = fields(sig, input, start);
      int[] chosen = fields[Math.floorMod(field, fields.length)];
      int at = start + chosen[0];
      int width = chosen[1];
      if (at < 0 || at + width > input.length) {
        return input;
      }
      ByteBuffer buffer = ByteBuffer.wrap(input.clone()).order(ByteOrder.LITTLE_ENDIAN);
      long old = width == 2 ? buffer.getShort(at) & 0xFFFF : width == 4 ? buffer.getInt(at) & 0xFFFF_FFFFL
          : buffer.getLong(at);
      long ones = width == 8 ? -1L : (1L << (8 * width)) - 1;
      long high = 1L << (8 * width - 1);
      long value = switch (Math.floorMod(choice, 13)) {
        case 0 -> 0;
        case 1 -> 1;
        case 2 -> ones;
        case 3 -> ones - 1;
        case 4 -> high;
        case 5 -> high - 1;
        case 6 -> input.length;
        case 7 -> input.length - 1;
        case 8 -> input.length + 1;
        case 9 -> start;
        case 10 -> old + 1;
        case 11 -> old - 1;
        default -> Math.floorMod(random, 2L * input.length + 2);
      };
      switch (width) {
        case 2 -> buffer.putShort(at, (short) value);
        case 4 -> buffer.putInt(at, (int) value);
        default -> buffer.putLong(at, value);
      }
      return buffer.array();
    }

    private static int[][] fields(int sig, byte[] input, int start) {
      switch (sig) {
        case LOCAL -> {
          int extra = 30 + u16(input, start + 26);
          return new int[][] {{6, 2}, {8, 2}, {14, 4}, {18, 4}, {22, 4}, {26, 2}, {28, 2}, {extra, 2},
              {extra + 2, 2}, {extra + 4, 8}, {extra + 12, 8}};
        }
        case CENTRAL -> {
          int extra = 46 + u16(input, start + 28);
          return new int[][] {{8, 2}, {10, 2}, {16, 4}, {20, 4}, {24, 4}, {28, 2}, {30, 2}, {32, 2}, {34, 2},
              {42, 4}, {extra, 2}, {extra + 2, 2}, {extra + 4, 8}, {extra + 12, 8}, {extra + 20, 8}};
        }
        case END -> {
          return new int[][] {{4, 2}, {6, 2}, {8, 2}, {10, 2}, {12, 4}, {16, 4}, {20, 2}};
        }
        case ZIP64_END -> {
          return new int[][] {{4, 8}, {16, 4}, {20, 4}, {24, 8}, {32, 8}, {40, 8}, {48, 8}};
        }
        default -> {
          return new int[][] {{4, 4}, {8, 8}, {16, 4}};
        }
      }
    }

    private static int u16(byte[] input, int at) {
      return at + 2 <= input.length ? (input[at] & 0xFF) | (input[at + 1] & 0xFF) << 8 : 0;
    }
  }

  private static Arbitrary<Mutation> zipFieldMutations() {
    return Combinators.combine(Arbitraries.integers().between(0, SIGNATURES.length - 1),
            Arbitraries.integers().between(0, 7), Arbitraries.integers().between(0, 15),
            Arbitraries.integers().between(0, 12), Arbitraries.longs())
        .as(SetZipField::new);
  }

  /** The archives that mutations start from: well-formed ones, numpy's own (the seeds), and random bytes. */
  static Arbitrary<byte[]> npzBases(List<byte[]> seeds) {
    Arbitrary<byte[]> random = Combinators
        .combine(Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
            Arbitraries.of(new byte[0], new byte[] {'P', 'K', 5, 6}, new byte[] {'P', 'K', 6, 7}))
        .as((bytes, tail) -> NpyHeaderTest.concat(bytes, Arrays.copyOf(tail, tail.length + 18)));
    return seeds.isEmpty() ? Arbitraries.frequencyOf(Tuple.of(6, wellFormedZips()), Tuple.of(1, random))
        : Arbitraries.frequencyOf(Tuple.of(6, wellFormedZips()), Tuple.of(2, Arbitraries.of(seeds)),
            Tuple.of(1, random));
  }

  /** Lists of one to four archive mutations, mostly zip record fields set to boundary values. */
  static Arbitrary<List<Mutation>> zipMutationLists() {
    return Arbitraries.frequencyOf(Tuple.of(2, byteMutations()), Tuple.of(3, zipFieldMutations()))
        .list().ofMinSize(1).ofMaxSize(4);
  }

  /** Sizes of huge sparse files. */
  static Arbitrary<Long> hugeSizes() {
    return Arbitraries.of(1L << 31, 1L << 32, (1L << 32) + 7, 1L << 40, 1L << 62, Long.MAX_VALUE - 1, Long.MAX_VALUE);
  }

  /** Lists of one to four zip record field mutations: the claims a huge file does not refute. */
  static Arbitrary<List<Mutation>> zipFieldMutationLists() {
    return zipFieldMutations().list().ofMinSize(1).ofMaxSize(4);
  }
}
