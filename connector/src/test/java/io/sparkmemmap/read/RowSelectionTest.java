package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RowSelectionTest {
  @Test
  void intersectUnionAndComplementOfIntervals() {
    RowSelection a = RowSelection.range(0, 10).union(RowSelection.range(20, 30));
    RowSelection b = RowSelection.range(5, 25);
    assertEquals("[5, 10), [20, 25)", a.intersect(b).toString());
    assertEquals("[0, 30)", a.union(b).toString());
    assertEquals("[10, 20), [30, end)", a.complement().toString());
    assertEquals(RowSelection.ALL, RowSelection.NONE.complement());
    assertEquals(RowSelection.NONE, RowSelection.ALL.complement());
    assertEquals(a, a.complement().complement());
    assertTrue(RowSelection.ALL.intersect(RowSelection.ALL).isAll());
  }

  @Test
  void rowsFromInListsMergeAdjacentAndDropImpossibleOnes() {
    assertEquals("[1, 4), [7, 8)", RowSelection.rows(new long[] {3, 1, 2, 7, 2, -5, Long.MAX_VALUE}).toString());
    assertEquals(RowSelection.NONE, RowSelection.range(-10, 0));
  }

  @Test
  void clippedToAFile() {
    RowSelection s = RowSelection.range(5, 10).union(RowSelection.range(98, Long.MAX_VALUE));
    RowSelection within = s.below(100);
    assertEquals(2, within.intervalCount());
    assertEquals(98, within.from(1));
    assertEquals(100, within.to(1));
    assertEquals(7, within.count());
    assertEquals(3, s.below(8).count());
    assertEquals(0, s.below(5).count());
    assertTrue(s.below(5).isEmpty());
  }

  @Test
  void slicesCountRowsInOrderAcrossIntervals() {
    RowSelection s = RowSelection.range(0, 10).union(RowSelection.range(20, 30));
    assertEquals("[8, 10), [20, 23)", s.slice(8, 5).toString());
    assertEquals("[25, 30)", s.slice(15, 100).toString());
    assertEquals(RowSelection.NONE, s.slice(20, 5));
    assertEquals(RowSelection.NONE, s.slice(0, 0));
    assertEquals(Long.MAX_VALUE, RowSelection.ALL.count(), "saturates");
  }
}
