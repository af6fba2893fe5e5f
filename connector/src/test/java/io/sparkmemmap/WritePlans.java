package io.sparkmemmap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkmemmap.write.MegatronMerge;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.QueryExecution;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.datasources.v2.V2ExistingTableWriteExec;
import org.apache.spark.sql.util.QueryExecutionListener;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The plans an action ran, as executed (a {@code save()} in the default mode runs its write as a command nested in
 * another): which write ran, and its metrics.
 *
 * @param plans the executed plans, in the order they finished
 */
public record WritePlans(List<SparkPlan> plans) {
  /** Runs {@code action} and keeps the plans it ran. */
  public static WritePlans of(Runnable action) {
    SparkSession spark = SparkTestSession.get();
    List<SparkPlan> plans = Collections.synchronizedList(new ArrayList<>());
    QueryExecutionListener listener = new QueryExecutionListener() {
      @Override
      public void onSuccess(String funcName, QueryExecution qe, long durationNs) {
        plans.add(qe.executedPlan());
      }

      @Override
      public void onFailure(String funcName, QueryExecution qe, Exception exception) {}
    };
    try {
      spark.sparkContext().listenerBus().waitUntilEmpty(); // what earlier actions ran is not this one's
      spark.listenerManager().register(listener);
      action.run();
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } catch (TimeoutException e) {
      throw new AssertionError(e);
    } finally {
      spark.listenerManager().unregister(listener);
    }
    return new WritePlans(List.copyOf(plans));
  }

  /** The write nodes that ran a Megatron shard merge. */
  public List<V2ExistingTableWriteExec> merges() {
    List<V2ExistingTableWriteExec> merges = new ArrayList<>();
    for (SparkPlan plan : plans) {
      for (SparkPlan node : QueryPlans.nodes(plan)) {
        if (node instanceof V2ExistingTableWriteExec write && write.write() instanceof MegatronMerge) {
          merges.add(write);
        }
      }
    }
    return merges;
  }

  /** The bytes of tokens the one merge that ran copied, or -1 where no merge ran. */
  public long bytesCopied() {
    List<V2ExistingTableWriteExec> merges = merges();
    if (merges.isEmpty()) {
      return -1;
    }
    assertEquals(1, merges.size(), plans.toString());
    return ((SparkPlan) merges.get(0)).metrics().get(MegatronMerge.BytesCopiedMetric.NAME).get().value();
  }

  /** The pieces the one merge that ran copied in parallel. */
  public int pieces() {
    return ((MegatronMerge) merges().get(0).write()).pieceCount();
  }
}
