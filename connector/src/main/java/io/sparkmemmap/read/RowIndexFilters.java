package io.sparkmemmap.read;

import org.apache.spark.sql.connector.expressions.Expression;
import org.apache.spark.sql.connector.expressions.Literal;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.filter.Predicate;

/**
 * The rows a predicate on {@code _row_index} keeps, as a {@link RowSelection}: comparisons with integer literals
 * (=, <=>, <>, <, <=, >, >=; BETWEEN arrives as two), IN lists, IS [NOT] NULL and the constants, combined with AND,
 * OR and NOT. {@code _row_index} is never null, so NOT is exact: the complement. A null literal makes a comparison
 * unknown rather than false, which NOT would not preserve, so such predicates are left to Spark, as are
 * comparisons in other types ({@code _row_index = 3.5} compares decimals).
 */
final class RowIndexFilters {
  private RowIndexFilters() {}

  /** The rows {@code predicate} keeps, or {@code null} when it does not depend on {@code _row_index} alone. */
  static RowSelection translate(Predicate predicate) {
    Expression[] c = predicate.children();
    switch (predicate.name()) {
      case "ALWAYS_TRUE":
        return RowSelection.ALL;
      case "ALWAYS_FALSE":
        return RowSelection.NONE;
      case "AND": {
        RowSelection left = exactChild(c[0]);
        RowSelection right = exactChild(c[1]);
        return left == null || right == null ? null : left.intersect(right);
      }
      case "OR": {
        RowSelection left = exactChild(c[0]);
        RowSelection right = exactChild(c[1]);
        return left == null || right == null ? null : left.union(right);
      }
      case "NOT": {
        RowSelection inner = exactChild(c[0]);
        return inner == null ? null : inner.complement();
      }
      case "IS_NULL":
        return isRowIndex(c[0]) ? RowSelection.NONE : null;
      case "IS_NOT_NULL":
        return isRowIndex(c[0]) ? RowSelection.ALL : null;
      case "IN":
        return in(c);
      case "=":
      case "<=>":
      case "<>":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=":
        return comparison(predicate.name(), c[0], c[1]);
      default:
        return null;
    }
  }

  /**
   * A set holding every row {@code predicate} keeps, maybe more: what planning may restrict a read to even when
   * Spark must still evaluate the predicate. {@link RowSelection#all()} when nothing is known.
   */
  static RowSelection superset(Predicate predicate) {
    RowSelection exact = translate(predicate);
    if (exact != null) {
      return exact;
    }
    Expression[] c = predicate.children();
    switch (predicate.name()) {
      case "AND":
        return supersetChild(c[0]).intersect(supersetChild(c[1]));
      case "OR":
        return supersetChild(c[0]).union(supersetChild(c[1]));
      default:
        return RowSelection.ALL;
    }
  }

  private static RowSelection exactChild(Expression e) {
    return e instanceof Predicate p ? translate(p) : null;
  }

  private static RowSelection supersetChild(Expression e) {
    return e instanceof Predicate p ? superset(p) : RowSelection.ALL;
  }

  static boolean isRowIndex(Expression e) {
    return e instanceof NamedReference ref && ref.fieldNames().length == 1
        && MetadataColumns.ROW_INDEX.equals(ref.fieldNames()[0]);
  }

  /** An integer literal's value, or {@code null} for anything else (a null literal included). */
  private static Long integer(Expression e) {
    if (e instanceof Literal<?> literal) {
      Object value = literal.value();
      if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
        return ((Number) value).longValue();
      }
    }
    return null;
  }

  private static RowSelection in(Expression[] c) {
    if (!isRowIndex(c[0])) {
      return null;
    }
    long[] values = new long[c.length - 1];
    for (int i = 1; i < c.length; i++) {
      Long value = integer(c[i]);
      if (value == null) {
        return null;
      }
      values[i - 1] = value;
    }
    return RowSelection.rows(values);
  }

  private static RowSelection comparison(String op, Expression left, Expression right) {
    String operator = op;
    Long value;
    if (isRowIndex(left)) {
      value = integer(right);
    } else if (isRowIndex(right)) {
      value = integer(left);
      operator = flipped(op);
    } else {
      return null;
    }
    if (value == null) {
      return null;
    }
    long v = value;
    switch (operator) {
      case "=":
      case "<=>":
        return RowSelection.row(v);
      case "<>":
      case "!=":
        return RowSelection.row(v).complement();
      case "<":
        return RowSelection.range(0, v);
      case "<=":
        return v == Long.MAX_VALUE ? RowSelection.ALL : RowSelection.range(0, v + 1);
      case ">":
        return v == Long.MAX_VALUE ? RowSelection.NONE : RowSelection.range(v + 1, RowSelection.END);
      case ">=":
        return RowSelection.range(v, RowSelection.END);
      default:
        throw new IllegalStateException(operator);
    }
  }

  /** The operator with its operands swapped: {@code 5 < x} is {@code x > 5}. */
  private static String flipped(String op) {
    switch (op) {
      case "<":
        return ">";
      case "<=":
        return ">=";
      case ">":
        return "<";
      case ">=":
        return "<=";
      default:
        return op;
    }
  }
}
