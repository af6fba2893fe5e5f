package io.sparkmemmap.catalog;

import io.sparkmemmap.read.MetadataColumns;
import io.sparkmemmap.read.RecordDataset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.catalyst.expressions.AttributeReference;
import org.apache.spark.sql.catalyst.expressions.Coalesce;
import org.apache.spark.sql.catalyst.expressions.ExprId;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.Literal;
import org.apache.spark.sql.catalyst.expressions.NamedExpression;
import org.apache.spark.sql.catalyst.expressions.Size;
import org.apache.spark.sql.catalyst.plans.logical.Aggregate;
import org.apache.spark.sql.catalyst.plans.logical.Filter;
import org.apache.spark.sql.catalyst.plans.logical.GlobalLimit;
import org.apache.spark.sql.catalyst.plans.logical.Join;
import org.apache.spark.sql.catalyst.plans.logical.LocalLimit;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.catalyst.plans.logical.Offset;
import org.apache.spark.sql.catalyst.plans.logical.Project;
import org.apache.spark.sql.catalyst.plans.logical.Repartition;
import org.apache.spark.sql.catalyst.plans.logical.RepartitionByExpression;
import org.apache.spark.sql.catalyst.plans.logical.Sample;
import org.apache.spark.sql.catalyst.plans.logical.Sort;
import org.apache.spark.sql.catalyst.plans.logical.Window;
import org.apache.spark.sql.catalyst.rules.Rule;
import org.apache.spark.sql.execution.datasources.v2.DataSourceV2Relation;
import org.apache.spark.sql.types.DataTypes;
import scala.PartialFunction$;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;
import scala.runtime.BoxedUnit;

/**
 * Answers {@code size(tokens)} ({@code megatron}) and {@code size(value)} ({@code ragged}), and so {@code WHERE},
 * {@code GROUP BY} and aggregates over it, from the records' index: each such {@code size} becomes the hidden
 * {@code _length} column, so a query whose only use of the elements was their count reads the index alone, never
 * the data file.
 *
 * <p>Why in the operator optimization batch: {@code V2ScanRelationPushDown} asks the scan for every attribute of the
 * relation that the projections and filters right above it reference. Replacing {@code size(tokens)} is not enough:
 * {@code _length} has to be in the relation's output (a hidden column is there only when a query names it), every
 * projection between the relation and the {@code size} must carry it, and the projections that carried
 * {@code tokens} to the {@code size} alone must stop carrying it. This rule does the first two; {@code ColumnPruning},
 * in the same fixed-point batch, then drops {@code tokens} wherever nothing else needs it. Run later (as a pre-CBO
 * rule, once, just before the pushdown), the projection that {@code ColumnPruning} had put under an aggregate to
 * carry {@code tokens} to {@code sum(size(tokens))} still names {@code tokens} at the pushdown, and the scan reads
 * it: the optimized plan no longer shows it (a later {@code ColumnPruning} drops it above the scan), but the scan was
 * built with it. Where the elements are used besides their size, they are still read, and {@code _length} comes
 * along from the index at no cost.
 *
 * <p>{@code _length} is carried up only through operators that keep each row whole (projections, filters, sorts,
 * limits, samples, repartitions, joins, windows), so it always describes the row whose elements {@code size} would
 * have counted; {@code size} above anything else (an aggregate grouping by the elements, a union) is left as is.
 * Every other operator sees the outputs it saw before: an operator that would pass on {@code _length} unasked gets a
 * projection of its former output. The records never hold a null array, but an outer join can make one; there
 * {@code _length} is null too, which is {@code size}'s answer unless {@code spark.sql.legacy.sizeOfNull} asks for
 * -1, which is kept.
 */
final class RecordSizesFromIndex extends Rule<LogicalPlan> {
  @Override
  public LogicalPlan apply(LogicalPlan plan) {
    Map<ExprId, AttributeReference> lengths = new HashMap<>();
    plan.foreach(node -> {
      if (node instanceof DataSourceV2Relation relation) {
        addLength(relation, lengths);
      }
      return BoxedUnit.UNIT;
    });
    if (lengths.isEmpty()) {
      return plan;
    }
    Rewrite rewrite = new Rewrite(lengths);
    if (!rewrite.anyUse(plan)) {
      return plan;
    }
    return rewrite.apply(plan, Set.of());
  }

  /** Maps the elements attribute of a relation of records to its {@code _length} attribute. */
  private static void addLength(DataSourceV2Relation relation, Map<ExprId, AttributeReference> lengths) {
    if (!(relation.table() instanceof NpyTable table) || !table.format().records()
        || !(table.input() instanceof RecordDataset records)) {
      return;
    }
    AttributeReference elements = named(relation.output(), records.elementColumn());
    AttributeReference length = named(relation.output(), MetadataColumns.LENGTH);
    if (length == null) {
      length = named(relation.metadataOutput(), MetadataColumns.LENGTH);
    }
    if (elements != null && length != null) {
      lengths.put(elements.exprId(), length);
    }
  }

  private static AttributeReference named(Seq<AttributeReference> attributes, String name) {
    for (AttributeReference attribute : CollectionConverters.asJava(attributes)) {
      if (attribute.name().equals(name)) {
        return attribute;
      }
    }
    return null;
  }

  /** One rewrite of a plan, given the length attribute of each relation's elements attribute. */
  private static final class Rewrite {
    private final Map<ExprId, AttributeReference> lengths;
    /** The elements attributes whose lengths a node can pass on in its output, by node. */
    private final Map<LogicalPlan, Set<ExprId>> carried = new IdentityHashMap<>();

    Rewrite(Map<ExprId, AttributeReference> lengths) {
      this.lengths = lengths;
    }

    boolean anyUse(LogicalPlan plan) {
      if (!uses(plan).isEmpty()) {
        return true;
      }
      for (LogicalPlan child : children(plan)) {
        if (anyUse(child)) {
          return true;
        }
      }
      return false;
    }

    /**
     * Rewrites the node and its children so that its output is its former output followed by the lengths of the
     * {@code required} elements attributes (each one the node carries).
     */
    LogicalPlan apply(LogicalPlan node, Set<ExprId> required) {
      if (node instanceof DataSourceV2Relation relation) {
        return withLengths(relation, required);
      }
      Set<ExprId> used = uses(node);
      Set<ExprId> needed = new HashSet<>(required);
      needed.addAll(used);
      List<LogicalPlan> children = new ArrayList<>();
      for (LogicalPlan child : children(node)) {
        Set<ExprId> fromChild = new HashSet<>(needed);
        fromChild.retainAll(carried(child));
        children.add(apply(child, fromChild));
      }
      LogicalPlan rewritten = node.withNewChildren(seq(children));
      if (!used.isEmpty()) {
        Map<ExprId, Attribute> input = new HashMap<>();
        for (Attribute attribute : CollectionConverters.asJava(rewritten.inputSet().toSeq())) {
          input.put(attribute.exprId(), attribute);
        }
        rewritten = rewritten.mapExpressions(expression -> expression.transformUp(
            PartialFunction$.MODULE$.fromFunction(e -> lengthOf(e, used, input))));
      }
      if (rewritten instanceof Project project && !required.isEmpty()) {
        List<NamedExpression> list = new ArrayList<>(CollectionConverters.asJava(project.projectList()));
        for (ExprId elements : ordered(required)) {
          ExprId length = lengths.get(elements).exprId();
          if (list.stream().noneMatch(e -> e.exprId().equals(length))) {
            list.add(find(project.child().output(), length));
          }
        }
        rewritten = project.copy(seq(list), project.child());
      }
      return withOutput(rewritten, node.output(), required);
    }

    /** {@code size(elements)} as the elements' length, as found in the node's input; other expressions as they are. */
    private Expression lengthOf(Expression expression, Set<ExprId> used, Map<ExprId, Attribute> input) {
      if (expression instanceof Size size && size.child() instanceof Attribute elements
          && used.contains(elements.exprId())) {
        Attribute length = input.get(lengths.get(elements.exprId()).exprId());
        return size.legacySizeOfNull() && length.nullable()
            ? new Coalesce(seq(List.of(length, Literal.create(-1, DataTypes.IntegerType))))
            : length;
      }
      return expression;
    }

    /** The relation with the lengths of its required elements in its output, after its own columns. */
    private LogicalPlan withLengths(DataSourceV2Relation relation, Set<ExprId> required) {
      List<AttributeReference> output = new ArrayList<>(CollectionConverters.asJava(relation.output()));
      for (ExprId elements : ordered(required)) {
        AttributeReference length = lengths.get(elements);
        if (output.stream().noneMatch(a -> a.exprId().equals(length.exprId()))) {
          output.add(length);
        }
      }
      if (output.size() == relation.output().size()) {
        return relation;
      }
      return relation.copy(relation.table(), seq(output), relation.catalog(), relation.identifier(),
          relation.options(), relation.timeTravelSpec());
    }

    /**
     * The node, or a projection of it, whose output is {@code former} followed by the lengths of {@code required}:
     * a node that passes its children's columns on would otherwise show a length its parent did not ask for.
     */
    private LogicalPlan withOutput(LogicalPlan node, Seq<Attribute> former, Set<ExprId> required) {
      List<ExprId> expected = new ArrayList<>();
      for (Attribute attribute : CollectionConverters.asJava(former)) {
        expected.add(attribute.exprId());
      }
      for (ExprId elements : ordered(required)) {
        ExprId length = lengths.get(elements).exprId();
        if (!expected.contains(length)) {
          expected.add(length);
        }
      }
      List<ExprId> actual = CollectionConverters.asJava(node.output()).stream().map(Attribute::exprId).toList();
      if (actual.equals(expected)) {
        return node;
      }
      List<NamedExpression> projected = new ArrayList<>();
      for (ExprId id : expected) {
        projected.add(find(node.output(), id));
      }
      return new Project(seq(projected), node);
    }

    /**
     * The elements attributes whose {@code size} the node itself computes and can have as a length: those whose
     * lengths its children carry. Only operators whose expressions see one input row at a time are rewritten.
     */
    private Set<ExprId> uses(LogicalPlan node) {
      if (!(node instanceof Project || node instanceof Aggregate || keepsRowsWhole(node))) {
        return Set.of();
      }
      Set<ExprId> available = new HashSet<>();
      for (LogicalPlan child : children(node)) {
        available.addAll(carried(child));
      }
      Set<ExprId> used = new HashSet<>();
      if (available.isEmpty()) {
        return used;
      }
      for (Expression expression : CollectionConverters.asJava(node.expressions())) {
        expression.foreach(e -> {
          if (e instanceof Size size && size.child() instanceof Attribute elements
              && available.contains(elements.exprId())) {
            used.add(elements.exprId());
          }
          return BoxedUnit.UNIT;
        });
      }
      return used;
    }

    /** The elements attributes whose lengths the node can have in its output. */
    private Set<ExprId> carried(LogicalPlan node) {
      Set<ExprId> known = carried.get(node);
      if (known != null) {
        return known;
      }
      Set<ExprId> result = new HashSet<>();
      if (node instanceof DataSourceV2Relation relation) {
        for (Attribute attribute : CollectionConverters.asJava(relation.output())) {
          if (lengths.containsKey(attribute.exprId())) {
            result.add(attribute.exprId());
          }
        }
      } else if (node instanceof Project || keepsRowsWhole(node)) {
        for (LogicalPlan child : children(node)) {
          // a semi or anti join passes on its left side's rows alone
          if (node instanceof Project || child.outputSet().subsetOf(node.outputSet())) {
            result.addAll(carried(child));
          }
        }
      }
      carried.put(node, result);
      return result;
    }

    /** Operators whose output rows are input rows whole, each with all the columns of its input. */
    private static boolean keepsRowsWhole(LogicalPlan node) {
      return node instanceof Filter || node instanceof Sort || node instanceof GlobalLimit
          || node instanceof LocalLimit || node instanceof Offset || node instanceof Sample
          || node instanceof Repartition || node instanceof RepartitionByExpression || node instanceof Join
          || node instanceof Window;
    }

    /** The elements attributes in the order of their ids: the order their lengths are added to outputs in. */
    private static List<ExprId> ordered(Set<ExprId> elements) {
      return elements.stream().sorted(java.util.Comparator.comparingLong(ExprId::id)).toList();
    }

    private static List<LogicalPlan> children(LogicalPlan node) {
      return CollectionConverters.asJava(node.children());
    }

    private static Attribute find(Seq<Attribute> attributes, ExprId id) {
      for (Attribute attribute : CollectionConverters.asJava(attributes)) {
        if (attribute.exprId().equals(id)) {
          return attribute;
        }
      }
      throw new IllegalStateException("no attribute #" + id.id() + " in " + attributes);
    }
  }

  private static <T> Seq<T> seq(List<T> list) {
    return CollectionConverters.asScala(list).toSeq();
  }
}
