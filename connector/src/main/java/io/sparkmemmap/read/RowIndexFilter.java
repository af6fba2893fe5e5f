package io.sparkmemmap.read;

import org.apache.spark.sql.connector.expressions.Expression;
import org.apache.spark.sql.connector.expressions.Literal;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.filter.Predicate;

/**
 * The rows a predicate on {@code _row_index} keeps, as {@link RowRanges}: comparisons with integer literals (=, <=>,
 * <>, <, <=, >, >=), IN lists, IS [NOT] NULL and the constants, combined with AND, OR and NOT. {@code _row_index} is
 * never null, so NOT is exact: the complement. A null literal makes a comparison unknown rather than false, which
 * NOT would not preserve, so such predicates are left to Spark.
 */
final class RowIndexFilter {
  private RowIndexFilter() {}

  /** The rows {@code predicate} keeps, or {@code null} when it does not depend on {@code _row_index} alone. */
  static RowRanges exact(Predicate predicate) {
    Expression[] c = predicate.children();
    switch (predicate.name()) {
      case "ALWAYS_TRUE":
        return RowRanges.all();
      case "ALWAYS_FALSE":
        return RowRanges.none();
      case "AND": {
        RowRanges left = exactChild(c[0]);
        RowRanges right = exactChild(c[1]);
        return left == null || right == null ? null : left.and(right);
      }
      case "OR": {
        RowRanges left = exactChild(c[0]);
        RowRanges right = exactChild(c[1]);
        return left == null || right == null ? null : left.or(right);
      }
      case "NOT": {
        RowRanges inner = exactChild(c[0]);
        return inner == null ? null : inner.not();
      }
      case "IS_NULL":
        return isRowIndex(c[0]) ? RowRanges.none() : null;
      case "IS_NOT_NULL":
        return isRowIndex(c[0]) ? RowRanges.all() : null;
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
   * Spark must still evaluate the predicate. {@link RowRanges#all()} when nothing is known.
   */
  static RowRanges superset(Predicate predicate) {
    RowRanges exact = exact(predicate);
    if (exact != null) {
      return exact;
    }
    Expression[] c = predicate.children();
    switch (predicate.name()) {
      case "AND":
        return supersetChild(c[0]).and(supersetChild(c[1]));
      case "OR":
        return supersetChild(c[0]).or(supersetChild(c[1]));
      default:
        return RowRanges.all();
    }
  }

  private static RowRanges exactChild(Expression e) {
    return e instanceof Predicate p ? exact(p) : null;
  }

  private static RowRanges supersetChild(Expression e) {
    return e instanceof Predicate p ? superset(p) : RowRanges.all();
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

  private static RowRanges in(Expression[] c) {
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
    return RowRanges.points(values);
  }

  private static RowRanges comparison(String op, Expression left, Expression right) {
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
        return RowRanges.range(v, v == Long.MAX_VALUE ? v : v + 1);
      case "<>":
      case "!=":
        return RowRanges.range(v, v == Long.MAX_VALUE ? v : v + 1).not();
      case "<":
        return RowRanges.range(0, v);
      case "<=":
        return v == Long.MAX_VALUE ? RowRanges.all() : RowRanges.range(0, v + 1);
      case ">":
        return v == Long.MAX_VALUE ? RowRanges.none() : RowRanges.range(v + 1, RowRanges.END);
      case ">=":
        return RowRanges.range(v, RowRanges.END);
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
