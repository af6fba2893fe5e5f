package io.sparkmemmap.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkmemmap.MegatronPython;
import io.sparkmemmap.Python;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs every example on small inputs and checks what it wrote with NumPy itself. */
class ExamplesTest {
  @TempDir
  Path out;

  private String check(String script) {
    return Python.run("out = " + Python.literal(out.toString()) + "\n" + script).strip();
  }

  @Test
  void quickStartWritesArraysNumpyOpens() throws Exception {
    QuickStart.main(new String[] {out.toString()});
    assertEquals("(100000, 8) float32 100000", check(String.join("\n",
        "import glob",
        "a = np.load(out + '/embeddings.npy', mmap_mode='r')",
        "parts = [np.load(p) for p in sorted(glob.glob(out + '/scores/*.npy'))]",
        "ids = np.sort(np.concatenate([p['id'] for p in parts]))",
        "assert (ids == np.arange(100000)).all()",
        "assert np.allclose(np.concatenate([p['first'] for p in parts])[np.argsort(np.concatenate([p['id'] for p in parts]))], a[:, 0])",
        "print(a.shape, a.dtype, len(ids))")));
  }

  @Test
  void quickStartScalaTwin() throws Exception {
    QuickStartScala.main(new String[] {out.toString()});
    assertEquals("(100000, 8) float32", check(
        "a = np.load(out + '/embeddings.npy', mmap_mode='r'); print(a.shape, a.dtype)"));
  }

  @Test
  void embeddingEtlSelectsTheRightRowsInOrder() throws Exception {
    EmbeddingEtl.main(new String[] {out.toString(), "3000", "16"});
    assertEquals("ok 500", check(String.join("\n",
        "ids = np.array([i for i in range(3000) if i % 3 == 0 and i % 10 < 5])",
        "e = np.load(out + '/english.npy', mmap_mode='r')",
        "expected = np.sin(ids[:, None] + np.arange(16)[None, :]).astype('<f4')",
        "assert e.dtype == np.dtype('<f4') and e.shape == (len(ids), 16), (e.dtype, e.shape)",
        "assert np.allclose(e, expected, atol=1e-6)",
        "labels = np.load(out + '/english-labels.npy')",
        "assert (labels['row_id'] == ids).all() and (labels['label'] == ids % 10).all()",
        "print('ok', len(ids))")));
  }

  @Test
  void embeddingClustersAssignsEachRowItsNearestCentroidAndFindsTheBlobs() throws Exception {
    EmbeddingClusters.main(new String[] {out.toString(), "6000", "8", "4"});
    assertEquals("(6000, 8) float32 (4, 8) float32 (6000,) int32", check(String.join("\n",
        "x = np.load(out + '/embeddings.npy', mmap_mode='r')",
        "c = np.load(out + '/centroids.npy', mmap_mode='r')",
        "k = np.load(out + '/clusters.npy', mmap_mode='r')",
        "d = ((x[:, None, :].astype('<f8') - c[None, :, :]) ** 2).sum(axis=2)",
        "nearest = d.argmin(axis=1)",
        "assert (k == nearest).all(), np.flatnonzero(k != nearest)[:10]",
        // row i was drawn from blob i % 4: each blob must be one cluster of its own
        "blob = np.arange(len(x)) % 4",
        "per_blob = [set(k[blob == b].tolist()) for b in range(4)]",
        "assert all(len(s) == 1 for s in per_blob) and len(set().union(*per_blob)) == 4, per_blob",
        "print(x.shape, x.dtype, c.shape, c.dtype, k.shape, k.dtype)")));
  }

  @Test
  void matrixMultiplyMatchesNumpy() throws Exception {
    MatrixMultiply.main(new String[] {out.toString(), "300", "70", "50", "16"});
    assertEquals("(300, 50) float64 True", check(String.join("\n",
        "a, b, c = (np.load(out + '/' + f + '.npy') for f in 'abc')",
        "print(c.shape, c.dtype, bool(np.abs(a @ b - c).max() < 1e-9))")));
  }

  @Test
  void timeSeriesAppendsBatchesToOneStructuredFile() throws Exception {
    TimeSeries.main(new String[] {out.toString(), "3", "1000"});
    assertEquals("[('t', '<M8[us]'), ('sensor', '<i4'), ('value', '<f4')] (3000,)", check(String.join("\n",
        "a = np.load(out + '/readings.npy', mmap_mode='r')",
        "ids = np.arange(3000)",
        "assert (a['t'] == (np.datetime64('2026-01-01T00:00:00', 'us') + (ids // 4) * np.timedelta64(1, 's'))).all()",
        "assert (a['sensor'] == ids % 4).all()",
        "print(a.dtype.descr, a.shape)")));
  }

  /**
   * NumPy reads the sink while the example runs (each snapshot must hold whole, correct seconds, each once) and
   * after it ends; 300 ticks cover seconds 0-29, and the last second or two may still wait for the watermark when
   * the query stops.
   */
  @Test
  void streamingTicksKeepsWholeSecondsInAGrowingFile() throws Exception {
    String seconds = String.join("\n",
        "import os, time",
        "k = np.arange(300)",
        "price = (100 + 5 * np.sin(k / 7.0) + (k % 3) * 0.25).reshape(30, 10)",
        "def seconds(a):",
        "    assert a.dtype.names == ('second', 'ticks', 'mean', 'low', 'high'), a.dtype",
        "    a = np.sort(a, order='second')",
        "    s = ((a['second'] - np.datetime64('2026-01-01T00:00:00', 'us')) // np.timedelta64(1, 's')).astype(int)",
        "    assert (s >= 0).all() and (s < 30).all() and len(np.unique(s)) == len(s), s",
        "    assert (a['ticks'] == 10).all(), a['ticks']",
        "    assert np.allclose(a['mean'], price[s].mean(axis=1), rtol=0, atol=1e-9), a['mean']",
        "    assert np.allclose(a['low'], price[s].min(axis=1), rtol=0, atol=1e-9)",
        "    assert np.allclose(a['high'], price[s].max(axis=1), rtol=0, atol=1e-9)",
        "    return s",
        "");
    Path done = out.resolve(".example-done");
    CompletableFuture<String> whileGrowing = CompletableFuture.supplyAsync(() -> check(seconds + String.join("\n",
        "while not os.path.exists(" + Python.literal(done) + "):",
        "    if os.path.exists(out + '/per-second.npy'):",
        "        seconds(np.array(np.load(out + '/per-second.npy', mmap_mode='r')))",
        "    time.sleep(0.02)",
        "print('ok')")));
    try {
      StreamingTicks.main(new String[] {out.toString(), "6", "50"});
    } finally {
      Files.writeString(done, "");
    }
    assertEquals("ok", whileGrowing.get());
    assertEquals("ok", check(seconds + String.join("\n",
        "ticks = np.load(out + '/ticks.npy', mmap_mode='r')",
        "assert ticks.dtype.names == ('t', 'price') and len(ticks) == 300, (ticks.dtype, ticks.shape)",
        "assert (ticks['t'] == 1767225600000 + 100 * np.arange(300)).all(), 'the appends, each once, in order'",
        "s = seconds(np.load(out + '/per-second.npy', mmap_mode='r'))",
        "assert 28 <= len(s) <= 30 and (s == np.arange(len(s))).all(), s",
        "print('ok')")));
  }

  @Test
  void convertCastsToHalfAndReadsRawWithAnOffset() throws Exception {
    Convert.main(new String[] {out.toString(), "5000"});
    assertEquals("float16 (5000, 4) int32", check(String.join("\n",
        "h = np.load(out + '/halves.npy', mmap_mode='r')",
        "assert (h == (np.arange(5000) / 8).astype('<f2')).all()",
        "s = np.load(out + '/sensor.npy', mmap_mode='r')",
        "assert (s == np.arange(5000)[:, None] + np.arange(4)[None, :]).all()",
        "print(h.dtype, s.shape, s.dtype)")));
  }

  @Test
  void tokenizedCorpusIsOneMegatronPairOfTheTokenizedLines() throws Exception {
    TokenizedCorpus.main(new String[] {out.toString(), "300"});
    assertEquals("uint16 900 300 ok", MegatronPython.run(out, String.join("\n",
        "words = ['the', 'a', 'cat', 'dog', 'sat', 'on', 'mat', 'ran', 'far', 'away']",
        "lines = [[words[(i * 31 + j * 17) % 10] for j in range(i % 7 + 3)] for i in range(900)]",
        "vocab = {w: k for k, w in enumerate(sorted(set(w for l in lines for w in l)))}",
        "p = 'corpus_text_document'",
        "dtype, lengths, pointers, docs, modes, tokens = validate(p)",
        "assert sequences(p) == [[vocab[w] for w in l] for l in lines]",
        "assert documents(p) == [i // 3 for i in range(900)]",
        "print(dtype.name, len(lengths), len(docs) - 1, 'ok')")).strip());
  }
}
