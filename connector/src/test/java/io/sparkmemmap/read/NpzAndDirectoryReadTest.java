package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.Python;
import io.sparkmemmap.QueryPlans;
import io.sparkmemmap.SparkTestSession;
import io.sparkmemmap.SparkValues;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code .npz} archives (stored entries mapped in place, deflated ones streamed), directories and globs of files
 * read as one array concatenated along axis 0, and the errors when files disagree.
 */
class NpzAndDirectoryReadTest {
  @TempDir
  static Path dir;

  private static Map<String, Object> expected;

  @BeforeAll
  static void writeFiles() throws Exception {
    for (String sub : List.of("parts", "mixed", "archives", "odd names")) {
      Files.createDirectories(dir.resolve(sub));
    }
    String script = String.join("\n",
        "d = " + Python.literal(dir) + " + '/'",
        "out = {}",
        "def rows(a):",
        "    if a.dtype.names:",
        "        return [{n: canon(r[n]) for n in a.dtype.names} for r in a]",
        "    return [{'value': canon(r)} for r in a]",
        "emb = (np.arange(40 * 6, dtype='<f4') / 7).reshape(40, 6)",
        "ids = np.arange(40, dtype='>i8') * 1000",
        "rec = np.zeros(7, [('a', '<i2'), ('b', 'U2', (2,))]); rec['a'] = range(7); rec['b'] = [['x', 'yz']] * 7",
        "np.savez(d + 'stored.npz', emb=emb, ids=ids)",
        "np.savez_compressed(d + 'deflated.npz', emb=emb, ids=ids)",
        "np.savez(d + 'single.npz', rec)",
        "np.savez_compressed(d + 'deflated_f.npz', f=np.asfortranarray(emb))",
        "out['emb'] = rows(emb); out['ids'] = rows(ids); out['rec'] = rows(rec)",
        "parts = [emb[0:13], emb[13:14], emb[14:14], emb[14:40]]",
        "for i, p in enumerate(parts):",
        "    np.save(d + 'parts/part-%05d.npy' % i, p)",
        "open(d + 'parts/_SUCCESS', 'w').close()",
        "open(d + 'parts/notes.txt', 'w').write('not an array')",
        "np.save(d + 'parts/.hidden.npy', np.zeros((2, 6), '<f4'))",
        "np.save(d + 'mixed/a.npy', emb[:5]); np.save(d + 'mixed/b.npy', emb[5:])",
        "np.savez(d + 'archives/one.npz', x=ids[:10], y=emb[:1])",
        "np.savez_compressed(d + 'archives/two.npz', x=ids[10:], y=emb[:2])",
        "np.save(d + 'odd names/a b \u00e9%20.npy', emb[:3]); np.save(d + 'odd names/z.npy', emb[3:])",
        "emit(out)",
        "");
    expected = SparkValues.parseJsonObject(Python.run(script));
  }

  @Test
  void storedNpzEntriesAreMappedInPlace() {
    assertEquals(expected.get("emb"), rows(reader().option("array", "emb").load(path("stored.npz"))),
        "stored.npz, array emb");
    assertEquals(expected.get("ids"), rows(reader().option("array", "ids.npy").load(path("stored.npz"))),
        "stored.npz, array ids.npy");
    Dataset<Row> whole = reader().option("array", "emb").load(path("stored.npz"));
    assertEquals(40, whole.collectAsList().size());
    assertEquals(40 * 6 * 4, QueryPlans.metric(whole, "bytesMapped"), "the entry's data, and no more");
    Dataset<Row> df = reader().option("array", "emb").option("maxPartitionBytes", "200").load(path("stored.npz"));
    assertTrue(df.rdd().getNumPartitions() > 4, "a stored entry is split like a .npy");
    assertEquals(expected.get("emb"), rows(df), "stored.npz, array emb in partitions of 200 bytes");
  }

  @Test
  void deflatedNpzEntriesAreStreamedInOnePartition() {
    Dataset<Row> df = reader().option("array", "emb").option("maxPartitionBytes", "200")
        .load(path("deflated.npz"));
    assertEquals(1, df.rdd().getNumPartitions(), "a deflated entry is one partition");
    assertEquals(expected.get("emb"), rows(df), "deflated.npz, array emb");
    assertEquals(expected.get("ids"), rows(reader().option("array", "ids").load(path("deflated.npz"))),
        "deflated.npz, array ids");
    assertEquals(expected.get("emb"), rows(reader().load(path("deflated_f.npz"))), "Fortran order, inflated whole");
  }

  @Test
  void anArchiveOfOneArrayNeedsNoOption() {
    assertEquals(expected.get("rec"), rows(reader().load(path("single.npz"))), "single.npz, its only array");
  }

  @Test
  void severalEntriesWithoutTheOptionIsAnErrorListingThem() {
    Exception e = assertThrows(Exception.class, () -> reader().load(path("stored.npz")));
    assertTrue(e.getMessage().contains("stored.npz") && e.getMessage().contains("emb, ids"), e.getMessage());
    Exception missing = assertThrows(Exception.class,
        () -> reader().option("array", "nope").load(path("stored.npz")));
    assertTrue(missing.getMessage().contains("nope") && missing.getMessage().contains("emb, ids"),
        missing.getMessage());
  }

  @Test
  void aDirectoryIsItsNpyFilesInNameOrder() {
    Dataset<Row> df = reader().load(path("parts"));
    assertEquals(expected.get("emb"), rows(df));
    List<Row> index = df.select("_row_index", "_file").collectAsList();
    assertEquals(0, index.get(13).getLong(0), "row 13 is row 0 of the second file");
    assertTrue(index.get(13).getString(1).endsWith("part-00001.npy"), index.get(13).getString(1));
    assertEquals(25, index.get(39).getLong(0));
  }

  @Test
  void globsAndSeveralPathsConcatenate() {
    assertEquals(expected.get("emb"), rows(reader().load(dir.resolve("parts") + "/part-*.npy")));
    assertEquals(expected.get("emb"), rows(reader().load(path("mixed/a.npy"), path("mixed/b.npy"))));
    assertEquals(expected.get("emb"), rows(reader().load(dir.resolve("mix*").toString())));
  }

  /**
   * A glob over many directories (listed several at a time) reads them in name order, each directory's files in
   * name order; an empty one among them fails the read, naming it, whichever directory is listed first.
   */
  @Test
  void aGlobOverManyDirectoriesReadsThemInOrder() {
    String numpy = Python.run(String.join("\n",
        "import os",
        "d = " + Python.literal(dir.resolve("partitions")) + " + '/'",
        "whole = []",
        "for i in range(40):",
        "    os.makedirs(d + 'p=%02d' % i)",
        "    for j in range(2):",
        "        a = np.arange(i * 10 + j * 3, i * 10 + j * 3 + (i + j) % 4, dtype='<i8')",
        "        np.save(d + 'p=%02d/part-%d.npy' % (i, j), a)",
        "        whole.extend(a)",
        "emit([{'value': int(v)} for v in whole])",
        ""));
    assertEquals(SparkValues.parseJson(numpy), rows(reader().load(path("partitions") + "/p=*")));
    assertTrue(dir.resolve("partitions/p=37").toFile().renameTo(dir.resolve("partitions/q=37").toFile()));
    assertTrue(dir.resolve("partitions/p=37").toFile().mkdir());
    Exception e = assertThrows(Exception.class, () -> reader().load(path("partitions") + "/p=*"));
    assertTrue(e.getMessage().contains("partitions/p=37 holds no .npy files"), e.getMessage());
  }

  @Test
  void smallFilesShareAPartition() {
    Dataset<Row> df = reader().load(path("parts"));
    // Spark's split size here: min(128 MiB, max(4 MiB open cost, 4 files * (4 MiB + data) / 2 cores)), about
    // 8 MiB, so two of the three non-empty files (each counted as data + 4 MiB) share a partition.
    assertEquals(2, df.rdd().getNumPartitions(), "small files are packed together");
    Dataset<Row> split = reader().option("maxPartitionBytes", "256").load(path("parts"));
    assertTrue(split.rdd().getNumPartitions() >= 4, "and split when partitions are small");
    assertEquals(expected.get("emb"), rows(split));
  }

  @Test
  void directoriesOfArchivesReadTheNamedArray() {
    String both = Python.run("x = np.concatenate([np.load(" + Python.literal(dir.resolve("archives/one.npz"))
        + ")['x'], np.load(" + Python.literal(dir.resolve("archives/two.npz")) + ")['x']])\n"
        + "emit([{'value': canon(v)} for v in x])\n");
    assertEquals(SparkValues.parseJson(both), rows(reader().option("array", "x").load(path("archives"))));
    assertEquals(SparkValues.parseJson(both), rows(reader().option("array", "x").load(path("archives") + "/*.npz")),
        "a glob of archives");
  }

  @Test
  void pathsWithSpacesAndNonAsciiNames() {
    assertEquals(expected.get("emb"), rows(reader().load(path("odd names"))));
    assertEquals(3, reader().load(path("odd names/a b \u00e9%20.npy")).count());
  }

  private static List<Object> rows(Dataset<Row> df) {
    return SparkValues.canonical(df.collectAsList());
  }

  private static DataFrameReader reader() {
    return SparkTestSession.get().read().format("npy");
  }

  private static String path(String name) {
    return dir.resolve(name).toString();
  }
}
