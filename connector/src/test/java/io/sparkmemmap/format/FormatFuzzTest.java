package io.sparkmemmap.format;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.format.FormatArbitraries.Archive;
import io.sparkmemmap.format.FormatArbitraries.EntrySpec;
import io.sparkmemmap.format.FormatArbitraries.Mutation;
import io.sparkmemmap.format.FormatArbitraries.TextEdit;
import io.sparkmemmap.format.FormatContracts.CheckedReader;
import io.sparkmemmap.format.NpzDirectory.Entry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Fuzzing of the NumPy format parsers: the {@code .npy} header reader, the dtype descr parser and the {@code .npz}
 * directory reader. Every input, valid, mutated or random, must end in a value or in the documented exception
 * naming the resource ({@link FormatContracts}); valid inputs must round-trip; claimed sizes must be checked
 * against the file before they decide an allocation. Work per input is bounded by the input (a few KiB, nesting
 * up to a few thousand levels), so a hang shows as a build that does not finish.
 *
 * <p>Short run, part of the default suite (200 tries per property from junit-platform.properties: about 14,000
 * inputs in 15 s):
 * <pre>mvn -q -pl connector test -Dtest='io.sparkmemmap.format.*Test'</pre>
 * Long run, over 1,000,000 inputs (17,500 tries for each property, 13 inputs in most tries), single-threaded; it
 * prints the number of inputs at the end of target/surefire-reports/io.sparkmemmap.format.FormatFuzzTest-output.txt:
 * <pre>mvn -pl connector test -Pfuzz</pre>
 * A failing property prints its shrunk input and seed; {@code -Djqwik.tries.default=N} sets the tries of a run.
 *
 * <p>Coverage-guided, with Jazzer over the same contracts ({@link FormatFuzzTarget}; the fuzz profile puts Jazzer
 * on the test classpath; about 3,400 inputs a second on one core; a finding is written to target/ and stops it):
 * <pre>
 * mvn -q -pl connector -Pfuzz test-compile dependency:build-classpath -Dmdep.includeScope=test \
 *     -Dmdep.outputFile=target/fuzz.classpath
 * mkdir -p connector/target/fuzz-corpus
 * java -Xmx1g -XX:ActiveProcessorCount=1 \
 *     -cp connector/target/test-classes:connector/target/classes:$(cat connector/target/fuzz.classpath) \
 *     com.code_intelligence.jazzer.Jazzer --target_class=io.sparkmemmap.format.FormatFuzzTarget \
 *     '--instrumentation_includes=io.sparkmemmap.format.**' -runs=1000000 -artifact_prefix=connector/target/ \
 *     connector/target/fuzz-corpus
 * </pre>
 */
class FormatFuzzTest {
  /**
   * One seed for every property, so that CI runs the same inputs each time and a red build means a regression, not
   * a new find; the long run ({@code -Pfuzz}) explores far more inputs from it. A failure prints its own seed.
   */
  private static final String FIXED_SEED = "20261124";

  /** Mutants checked per generated base input: generating a base costs more than checking a mutant. */
  private static final int MUTANTS = 12;
  /** Inputs fed to the parsers in this run, printed at the end. */
  private static final LongAdder INPUTS = new LongAdder();

  private static NumpyDtypeOracle numpy;
  private static List<byte[]> numpySeeds = List.of();

  @BeforeContainer
  static void startNumpy() throws Exception {
    numpy = NumpyDtypeOracle.start();
    Path dir = Files.createTempDirectory("npz-seeds");
    try {
      Python.run(dir, String.join("\n",
          "import numpy as np",
          "a = np.arange(10, dtype='<i8')",
          "b = np.asfortranarray(np.arange(6, dtype='>f4').reshape(2, 3))",
          "r = np.array([(1, (2.0, 3.0))], dtype=[('t', '<i8'), ('x', '<f4', (2,))])",
          "np.savez('stored.npz', a=a, b=b, r=r, **{'\\u6e29\\u5ea6': np.array([1.5]), 'empty': np.zeros((0, 3))})",
          "np.savez_compressed('deflated.npz', a=a, b=b, r=r)",
          "np.savez('one.npz', np.array(7, dtype='<u2'))",
          ""));
      List<byte[]> seeds = new ArrayList<>();
      for (String name : List.of("stored.npz", "deflated.npz", "one.npz")) {
        seeds.add(Files.readAllBytes(dir.resolve(name)));
      }
      numpySeeds = seeds;
    } finally {
      try (var files = Files.list(dir)) {
        for (Path p : files.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(dir);
    }
  }

  @AfterContainer
  static void stopNumpy() throws Exception {
    System.out.println("FormatFuzzTest: " + INPUTS.sum() + " inputs");
    if (numpy != null) {
      numpy.close();
    }
  }

  // ------------------------------------------------------------------------------------------- headers

  @Property(seed = FIXED_SEED)
  void headerBytesEndInAHeaderOrANamedError(@ForAll("headerBases") byte[] base,
      @ForAll("headerMutants") List<List<Mutation>> mutants) {
    FormatContracts.header(base);
    for (List<Mutation> mutant : mutants) {
      FormatContracts.header(FormatArbitraries.mutate(base, mutant));
    }
    INPUTS.add(1 + mutants.size());
  }

  @Property(seed = FIXED_SEED)
  void numpysHeadersReadBackAsWritten(@ForAll("storableDtypes") DType dtype, @ForAll boolean fortranOrder,
      @ForAll("shapes") Shape shape) throws IOException {
    INPUTS.increment();
    byte[] bytes = NpyHeader.encode(dtype, fortranOrder, shape);
    assertEquals(0, bytes.length % 64, "numpy aligns the data to 64 bytes");
    assertEquals('\n', bytes[bytes.length - 1]);
    if (!fitsAFile(shape, dtype, bytes.length)) {
      NpyFormatException e = assertThrows(NpyFormatException.class, () -> read(bytes));
      assertTrue(e.getMessage().contains("more bytes than a file can hold"), e.getMessage());
      return;
    }
    NpyHeader header = FormatContracts.header(bytes);
    assertNotNull(header);
    assertEquals(new NpyHeader(header.version(), dtype, fortranOrder, shape, bytes.length), header);
    String text = new String(bytes, header.version().prefixLength(), bytes.length - header.version().prefixLength(),
        header.version() == NpyHeader.Version.V3_0 ? java.nio.charset.StandardCharsets.UTF_8
            : java.nio.charset.StandardCharsets.ISO_8859_1);
    boolean latin1 = text.chars().allMatch(c -> c <= 0xFF);
    NpyHeader.Version expected = !latin1 ? NpyHeader.Version.V3_0
        : bytes.length - 10 <= 0xFFFF ? NpyHeader.Version.V1_0 : NpyHeader.Version.V2_0;
    assertEquals(expected, header.version(), "numpy writes the oldest version that holds the header");
  }

  @Property(seed = FIXED_SEED)
  void theGrowthAxisIsRewrittenInPlace(@ForAll("storableDtypes") DType dtype, @ForAll boolean fortranOrder,
      @ForAll("shapes") Shape shape, @ForAll("dims") long newGrowthDim, @ForAll("shapes") Shape otherShape)
      throws IOException {
    Assume.that(shape.rank() > 0);
    byte[] original = NpyHeader.encode(dtype, fortranOrder, shape);
    NpyHeader header;
    try {
      header = read(original);
    } catch (NpyFormatException e) {
      return; // more bytes than a file can hold: numpysHeadersReadBackAsWritten covers it
    }
    long[] dims = shape.dims();
    dims[fortranOrder ? dims.length - 1 : 0] = newGrowthDim;
    Shape grown;
    try {
      grown = Shape.of(dims);
    } catch (IllegalArgumentException tooManyElements) {
      grown = null;
    }
    if (grown != null && fitsAFile(grown, dtype, header.dataOffset())) {
      Optional<byte[]> rewritten = header.encodeInPlace(grown);
      assertTrue(rewritten.isPresent(), "numpy's growth space holds any growth-axis length");
      assertRewrittenInPlace(header, grown, rewritten.get());
    }
    // any other shape is rewritten in place or refused, never written into a header of another length
    Optional<byte[]> other = header.encodeInPlace(otherShape);
    if (other.isPresent() && fitsAFile(otherShape, dtype, header.dataOffset())) {
      assertRewrittenInPlace(header, otherShape, other.get());
    }
    INPUTS.add(2);
  }

  private static boolean fitsAFile(Shape shape, DType dtype, long dataOffset) {
    try {
      return shape.byteCount(dtype.itemSize()) <= Long.MAX_VALUE - dataOffset;
    } catch (IllegalArgumentException overflow) {
      return false;
    }
  }

  private static void assertRewrittenInPlace(NpyHeader header, Shape newShape, byte[] bytes) throws IOException {
    assertEquals(header.dataOffset(), bytes.length, "the rewritten header keeps the data where it is");
    NpyHeader reread = read(bytes);
    assertEquals(new NpyHeader(header.version(), header.dtype(), header.fortranOrder(), newShape,
        header.dataOffset()), reread);
  }

  /**
   * A length field claiming more than the bound is refused before a byte of the header is read, and a header is
   * never read past what its length field claims: a corrupt length costs nothing in proportion to its value.
   */
  @Property(seed = FIXED_SEED)
  void aClaimedHeaderLengthIsCheckedBeforeTheHeaderIsRead(@ForAll @IntRange(min = 1, max = 3) int major,
      @ForAll("claimedLengths") long claimed, @ForAll @IntRange(max = 4096) int available,
      @ForAll @IntRange(max = 1 << 20) int maxHeaderBytes) {
    int prefix = major == 1 ? 10 : 12;
    ByteBuffer bytes = ByteBuffer.allocate(prefix + available).order(ByteOrder.LITTLE_ENDIAN);
    bytes.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', (byte) major, 0});
    long length = major == 1 ? claimed & 0xFFFF : claimed & 0xFFFF_FFFFL;
    if (major == 1) {
      bytes.putShort((short) length);
    } else {
      bytes.putInt((int) length);
    }
    Arrays.fill(bytes.array(), prefix, prefix + available, (byte) ' ');
    INPUTS.increment();
    ByteArrayInputStream in = new ByteArrayInputStream(bytes.array());
    NpyFormatException e = assertThrows(NpyFormatException.class,
        () -> NpyHeader.read(in, FormatContracts.NPY, maxHeaderBytes));
    assertTrue(e.getMessage().startsWith(FormatContracts.NPY + ": "), e.getMessage());
    long consumed = bytes.capacity() - in.available();
    if (length > maxHeaderBytes) {
      assertEquals(prefix, consumed, "bytes read of a header over the bound");
      assertTrue(e.getMessage().contains("exceeds the limit"), e.getMessage());
    } else {
      assertTrue(consumed <= prefix + Math.min(length, available), consumed + " bytes read");
    }
  }

  // ---------------------------------------------------------------------------------------- dtype descr

  @Property(seed = FIXED_SEED)
  void descrTextEndsInATypeOrAMessage(@ForAll("descrTexts") String base,
      @ForAll("textMutants") List<List<TextEdit>> mutants) {
    FormatContracts.descr(base);
    for (List<TextEdit> mutant : mutants) {
      FormatContracts.descr(FormatArbitraries.edit(base, mutant));
    }
    INPUTS.add(1 + mutants.size());
  }

  @Property(seed = FIXED_SEED)
  void everyTypePrintsAndParsesBack(@ForAll("dtypes") DType dtype) {
    FormatContracts.printsAndParsesBack(dtype, dtype);
    INPUTS.increment();
  }

  /**
   * A text accepted here means the same type to numpy. Refusing what numpy takes is allowed (long double, subarrays
   * outside fields); reading a text numpy refuses, or reading it as another type, would misread a file. Python 2's
   * {@code 3L} in a literal is the one documented leniency numpy 2 does not share.
   */
  @Property(seed = FIXED_SEED)
  void typesAcceptedHereAreTheSameToNumpy(@ForAll("descrTexts") String base,
      @ForAll("textMutants") List<List<TextEdit>> mutants) throws IOException {
    sameToNumpy(base);
    for (List<TextEdit> mutant : mutants) {
      sameToNumpy(FormatArbitraries.edit(base, mutant));
    }
    INPUTS.add(1 + mutants.size());
  }

  private static void sameToNumpy(String text) throws IOException {
    DType ours = FormatContracts.descr(text);
    if (ours == null || text.matches("(?s).*[0-9][lL].*")) {
      return;
    }
    String theirs = numpy.descrOf(text);
    assertTrue(theirs.equals("OK") || theirs.startsWith("OK "), PyLiteral.repr(text) + " is accepted here as " + ours
        + ", but numpy: " + theirs);
    if (FormatContracts.numpyHasDescrFor(ours)) { // overlapping fields have no descr to compare by
      assertEquals(NumpyDescr.parse(theirs.substring(3)), ours, PyLiteral.repr(text) + " to numpy: " + theirs);
    }
  }

  // ------------------------------------------------------------------------------------------ archives

  @Property(seed = FIXED_SEED)
  void archiveBytesEndInEntriesOrANamedError(@ForAll("npzBases") byte[] base,
      @ForAll("zipMutants") List<List<Mutation>> mutants) {
    FormatContracts.npz(base);
    for (List<Mutation> mutant : mutants) {
      FormatContracts.npz(FormatArbitraries.mutate(base, mutant));
    }
    INPUTS.add(1 + mutants.size());
  }

  @Property(seed = FIXED_SEED)
  void wellFormedArchivesReadBackTheirEntries(@ForAll("archives") Archive archive) throws IOException {
    INPUTS.increment();
    NpzDirectory npz = FormatContracts.npz(archive.bytes());
    assertNotNull(npz);
    List<EntrySpec> specs = archive.entries();
    assertEquals(specs.stream().map(EntrySpec::name).toList(), npz.entries().stream().map(Entry::name).toList());
    for (int i = 0; i < specs.size(); i++) {
      Entry entry = npz.entries().get(i);
      assertEquals(specs.get(i).deflate() ? NpzDirectory.DEFLATED : NpzDirectory.STORED, entry.method());
      try (InputStream in = npz.openEntry(entry)) {
        assertArrayEquals(specs.get(i).content(), in.readAllBytes(), entry.name());
      }
    }
  }

  /**
   * An archive at the end of a huge sparse file (zeros before it), its records' counts, sizes and offsets set to
   * boundary values: claims the file's size does not refute are still checked before they decide an allocation.
   */
  @Property(seed = FIXED_SEED)
  void hugeClaimsInAHugeSparseArchiveAreCheckedBeforeAllocating(@ForAll("archives") Archive archive,
      @ForAll("hugeSizes") long size, @ForAll("zipFieldMutants") List<List<Mutation>> mutants) {
    FormatContracts.npz(new CheckedReader(archive.bytes(), size));
    for (List<Mutation> mutant : mutants) {
      byte[] tail = FormatArbitraries.mutate(archive.bytes(), mutant);
      FormatContracts.npz(new CheckedReader(tail, Math.max(size, tail.length)));
    }
    INPUTS.add(1 + mutants.size());
  }

  // ---------------------------------------------------------------------------------------- generators

  @Provide
  Arbitrary<byte[]> headerBases() {
    return FormatArbitraries.headerBases();
  }

  @Provide
  Arbitrary<List<List<Mutation>>> headerMutants() {
    return FormatArbitraries.headerMutationLists().list().ofSize(MUTANTS);
  }

  @Provide
  Arbitrary<List<List<TextEdit>>> textMutants() {
    return FormatArbitraries.textEditLists().list().ofSize(MUTANTS);
  }

  @Provide
  Arbitrary<List<List<Mutation>>> zipMutants() {
    return FormatArbitraries.zipMutationLists().list().ofSize(MUTANTS);
  }

  @Provide
  Arbitrary<List<List<Mutation>>> zipFieldMutants() {
    return FormatArbitraries.zipFieldMutationLists().list().ofSize(MUTANTS);
  }

  @Provide
  Arbitrary<Long> hugeSizes() {
    return FormatArbitraries.hugeSizes();
  }

  @Provide
  Arbitrary<DType> dtypes() {
    return FormatArbitraries.dtypes();
  }

  @Provide
  Arbitrary<DType> storableDtypes() {
    return FormatArbitraries.dtypes().filter(d -> !d.containsObject());
  }

  @Provide
  Arbitrary<Shape> shapes() {
    return FormatArbitraries.arrayShapes();
  }

  @Provide
  Arbitrary<Long> dims() {
    return Arbitraries.oneOf(Arbitraries.longs().between(0, 1000), Arbitraries.longs().between(0, Long.MAX_VALUE));
  }

  @Provide
  Arbitrary<Long> claimedLengths() {
    return Arbitraries.oneOf(
        Arbitraries.longs().between(0, 0xFFFF_FFFFL),
        Arbitraries.of(0L, 1L, 4096L, 4097L, 0xFFFFL, 1L << 20, (1L << 20) + 1, 0x7FFF_FFFFL, 0xFFFF_FFFFL));
  }

  @Provide
  Arbitrary<String> descrTexts() {
    return FormatArbitraries.descrTexts();
  }

  @Provide
  Arbitrary<byte[]> npzBases() {
    return FormatArbitraries.npzBases(numpySeeds);
  }

  @Provide
  Arbitrary<Archive> archives() {
    return FormatArbitraries.wellFormedArchives();
  }


  private static NpyHeader read(byte[] bytes) throws IOException {
    return NpyHeader.read(new ByteArrayInputStream(bytes), FormatContracts.NPY);
  }
}
