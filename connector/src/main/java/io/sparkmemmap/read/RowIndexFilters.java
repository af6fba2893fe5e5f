package io.sparkmemmap.read;

import org.apache.spark.sql.connector.expressions.Expression;
import org.apache.spark.sql.connector.expressions.Literal;
import org.apache.spark.sql.connector.expressions.NamedReference;
import org.apache.spark.sql.connector.expressions.filter.Predicate;

/**
 * Turns predicates on {@code _row_index} into the rows they keep: comparisons with integer literals, {@code IN},
 * and {@code AND}, {@code OR}, {@code NOT} of those (BETWEEN arrives as two comparisons). Anything else is left to
 * Spark.
 */
final class RowIndexFilters {
  private RowIndexFilters() {}

  /** The rows {@code predicate} keeps, or {@code null} when it says more than which rows. */
  static RowSelection translate(Predicate predicate) {
    Expression[] children = predicate.children();
    switch (predicate.name()) {
      case "ALWAYS_TRUE":
        return RowSelection.ALL;
      case "ALWAYS_FALSE":
        return RowSelection.NONE;
      case "AND":
      case "OR": {
        RowSelection left = translate((Predicate) children[0]);
        RowSelection right = translate((Predicate) children[1]);
        if (left == null || right == null) {
          return null;
        }
        return predicate.name().equals("AND") ? left.intersect(right) : left.union(right);
      }
      case "NOT": {
        RowSelection inner = translate((Predicate) children[0]);
        return inner == null ? null : inner.complement();
      }
      case "IS_NOT_NULL":
        return isRowIndex(children[0]) ? RowSelection.ALL : null;
      case "IS_NULL":
        return isRowIndex(children[0]) ? RowSelection.NONE : null;
      case "IN": {
        if (!isRowIndex(children[0])) {
          return null;
        }
        long[] rows = new long[children.length - 1];
        int n = 0;
        for (int i = 1; i < children.length; i++) {
          Long value = integerLiteral(children[i]);
          if (value == null) {
            return null;
          }
          rows[n++] = value;
        }
        return RowSelection.rows(rows);
      }
      case "=":
      case "<=>":
      case "<":
      case "<=":
      case ">":
      case ">=":
        return comparison(predicate.name(), children[0], children[1]);
      default:
        return null;
    }
  }

  private static RowSelection comparison(String op, Expression left, Expression right) {
    if (isRowIndex(right) && !isRowIndex(left)) {
      return comparison(mirror(op), right, left);
    }
    Long value = isRowIndex(left) ? integerLiteral(right) : null;
    if (value == null) {
      return null;
    }
    long v = value;
    switch (op) {
      case "=":
      case "<=>":
        return RowSelection.row(v);
      case "<":
        return RowSelection.range(0, v);
      case "<=":
        return RowSelection.range(0, v == Long.MAX_VALUE ? v : v + 1);
      case ">":
        return v == Long.MAX_VALUE ? RowSelection.NONE : RowSelection.range(v + 1, Long.MAX_VALUE);
      default: // >=
        return RowSelection.range(v, Long.MAX_VALUE);
    }
  }

  private static String mirror(String op) {
    switch (op) {
      case "<": return ">";
      case "<=": return ">=";
      case ">": return "<";
      case ">=": return "<=";
      default: return op;
    }
  }

  private static boolean isRowIndex(Expression e) {
    return e instanceof NamedReference ref && ref.fieldNames().length == 1
        && MetadataColumns.ROW_INDEX.equals(ref.fieldNames()[0]);
  }

  /** An integer literal's value; Spark casts literals to the column's type, so others are not row numbers. */
  private static Long integerLiteral(Expression e) {
    if (e instanceof Literal<?> literal
        && (literal.value() instanceof Long || literal.value() instanceof Integer
            || literal.value() instanceof Short || literal.value() instanceof Byte)) {
      return ((Number) literal.value()).longValue();
    }
    return null;
  }
}
