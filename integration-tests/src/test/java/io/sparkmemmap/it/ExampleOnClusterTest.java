package io.sparkmemmap.it;

import io.sparkmemmap.Python;
import io.sparkmemmap.it.harness.ItEnvironment;
import io.sparkmemmap.it.harness.SparkSubmitRun;
import io.sparkmemmap.it.harness.StandaloneCluster;
import io.sparkmemmap.it.harness.StandaloneClusterExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An example application as a user deploys it: the examples jar submitted to the standalone cluster with the
 * connector's shaded jar in {@code --jars}, its output checked by NumPy.
 */
@ExtendWith(StandaloneClusterExtension.class)
class ExampleOnClusterTest {
  private static final long ROWS = 30_000;
  private static final int DIM = 8;

  @Test
  void embeddingEtlWritesTheSelectedVectorsInRowOrder(StandaloneCluster cluster) throws Exception {
    Path dir = ItEnvironment.workDir("example-embedding-etl");
    Path out = dir.resolve("out");

    SparkSubmitRun.named("EmbeddingEtl", dir)
        .conf(cluster.applicationConf(List.of()))
        .jars(ItEnvironment.connectorShadedJar())
        .shortJob()
        .application(ItEnvironment.examplesJar(), "io.sparkmemmap.examples.EmbeddingEtl",
            out.toString(), Long.toString(ROWS), Integer.toString(DIM))
        .runSuccessfully(Duration.ofMinutes(4));

    // The example keeps rows with id % 3 == 0 and id % 10 < 5, ordered by id; vector j of row id is sin(id + j).
    Python.run("ids = np.arange(" + ROWS + ")\n"
        + "keep = ids[(ids % 3 == 0) & (ids % 10 < 5)]\n"
        + "v = np.load(" + Python.literal(out.resolve("english.npy")) + ", mmap_mode='r')\n"
        + "assert v.dtype == np.dtype('<f4') and v.shape == (len(keep), " + DIM + "), (v.dtype, v.shape)\n"
        + "expected = np.sin(keep[:, None] + np.arange(" + DIM + ")[None, :]).astype('<f4')\n"
        + "assert np.allclose(v, expected, rtol=1e-6, atol=1e-7), np.abs(v - expected).max()\n"
        + "labels = np.load(" + Python.literal(out.resolve("english-labels.npy")) + ")\n"
        + "assert labels.dtype.names == ('row_id', 'label'), labels.dtype\n"
        + "assert (labels['row_id'] == keep).all() and (labels['label'] == keep % 10).all()\n");
  }
}
