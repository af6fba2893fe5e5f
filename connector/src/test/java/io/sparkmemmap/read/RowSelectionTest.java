package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
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
    List<long[]> within = s.within(100);
    assertEquals(2, within.size());
    assertEquals(98, within.get(1)[0]);
    assertEquals(100, within.get(1)[1]);
    assertEquals(7, s.count(100));
    assertEquals(3, s.count(8));
    assertEquals(0, s.count(5));
  }
}
