package io.sparkmemmap.read;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.connector.read.LocalScan;
import org.apache.spark.sql.execution.vectorized.OnHeapColumnVector;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * The answer of aggregates that the rows selected in each file give ({@code count(*)}, {@code min}/{@code max} of
 * {@code _row_index}, grouped by {@code _file} or not), computed at planning from the headers and handed to Spark
 * as local rows: Spark plans them as a {@code LocalTableScan}, so no file is opened, no task reads anything and no
 * configuration is broadcast for one.
 */
final class NpyRowCountScan implements LocalScan {
  private final NpyDataset dataset;
  private final AggregatePlan plan;
  private final SelectedRows selection;
  private final String pushed;

  /** @param pushed what else was pushed, for {@link #description()} */
  NpyRowCountScan(NpyDataset dataset, AggregatePlan plan, SelectedRows selection, String pushed) {
    this.dataset = dataset;
    this.plan = plan;
    this.selection = selection;
    this.pushed = pushed;
  }

  @Override
  public StructType readSchema() {
    return plan.schema();
  }

  @Override
  public String description() {
    return "NpyRowCountScan " + dataset.describe() + " aggregates=" + plan + " (from row counts)" + pushed;
  }

  @Override
  public InternalRow[] rows() {
    List<AggregateGroup> groups = groups();
    OnHeapColumnVector[] vectors = OnHeapColumnVector.allocateColumns(Math.max(1, groups.size()), plan.schema());
    try (ColumnarBatch batch = new ColumnarBatch(vectors)) {
      ValueReader.Scratch scratch = new ValueReader.Scratch();
      for (int i = 0; i < groups.size(); i++) {
        groups.get(i).write(plan, vectors, i, scratch);
      }
      batch.setNumRows(groups.size());
      InternalRow[] rows = new InternalRow[groups.size()];
      for (int i = 0; i < rows.length; i++) {
        rows[i] = batch.getRow(i).copy();
      }
      return rows;
    }
  }

  /** One group per file with rows selected when grouped by file, else one for all files. */
  private List<AggregateGroup> groups() {
    List<AggregateGroup> groups = new ArrayList<>();
    List<ArrayFile> files = selection.files();
    long rows = 0;
    long first = -1;
    long last = -1;
    for (int i = 0; i < files.size(); i++) {
      RowSelection selected = selection.rows(i);
      if (selected.isEmpty()) {
        continue;
      }
      long fileRows = selected.count();
      long fileFirst = selected.from(0);
      long fileLast = selected.to(selected.intervalCount() - 1) - 1;
      if (plan.groupByFile()) {
        groups.add(AggregateGroup.counted(files.get(i).uri(), fileRows, fileFirst, fileLast, plan));
      }
      rows += fileRows;
      first = first < 0 ? fileFirst : Math.min(first, fileFirst);
      last = Math.max(last, fileLast);
    }
    if (!plan.groupByFile()) {
      groups.add(AggregateGroup.counted(null, rows, first, last, plan));
    }
    return groups;
  }
}
