package io.sparkmemmap.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkmemmap.read.StreamOffset.FileMark;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A stream's offset in the checkpoint: canonical JSON (equal offsets, equal text), versioned, read back whole. */
class StreamOffsetTest {
  private static final String KIND = "dtype <f4, C order, rows of shape (4,)";

  @Test
  void theJsonIsCanonicalWhateverTheOrderFilesWereAddedIn() {
    Map<String, FileMark> files = new LinkedHashMap<>();
    files.put("file:/d/b.npy", new FileMark(7, 128, 112, 42, 6, 9));
    files.put("file:/d/a.npy", new FileMark(1000, 128, 1024, 4294967295L, 1199, 5));
    Set<String> skipped = new LinkedHashSet<>(List.of("file:/d/z.npy", "file:/d/c.npy"));
    StreamOffset offset = new StreamOffset(KIND, files, skipped);
    String expected = "{\"version\":1,\"array\":\"" + KIND + "\",\"files\":["
        + "{\"path\":\"file:/d/a.npy\",\"rows\":1000,\"dataOffset\":128,\"checkedBytes\":1024,\"checksum\":4294967295,"
        + "\"lastRow\":1199,\"lastRowChecksum\":5},"
        + "{\"path\":\"file:/d/b.npy\",\"rows\":7,\"dataOffset\":128,\"checkedBytes\":112,\"checksum\":42,"
        + "\"lastRow\":6,\"lastRowChecksum\":9}],"
        + "\"skipped\":[\"file:/d/c.npy\",\"file:/d/z.npy\"]}";
    assertEquals(expected, offset.json());
    Map<String, FileMark> reversed = new LinkedHashMap<>();
    reversed.put("file:/d/a.npy", files.get("file:/d/a.npy"));
    reversed.put("file:/d/b.npy", files.get("file:/d/b.npy"));
    assertEquals(offset, new StreamOffset(KIND, reversed, Set.of("file:/d/c.npy", "file:/d/z.npy")));
  }

  @Test
  void anOffsetReadsBackAsWritten() {
    StreamOffset offset = new StreamOffset(KIND, Map.of("file:/d/a.npy", new FileMark(3, 64, 48, 7, 3, 11)),
        Set.of("file:/d/b.npy"));
    StreamOffset read = StreamOffset.fromJson(offset.json());
    assertEquals(offset.json(), read.json());
    assertEquals(3, read.rows("file:/d/a.npy"));
    assertEquals(0, read.rows("file:/d/new.npy"));
    assertEquals(new FileMark(3, 64, 48, 7, 3, 11), read.files().get("file:/d/a.npy"));
    assertEquals(Set.of("file:/d/b.npy"), read.skipped());
    assertEquals(KIND, read.arrayKind());
  }

  @Test
  void otherVersionsAndOtherTextAreRefused() {
    String newer = StreamOffset.empty(KIND).json().replace("\"version\":1", "\"version\":2");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StreamOffset.fromJson(newer));
    assertTrue(e.getMessage().contains("version 2") && e.getMessage().contains("version 1 only"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> StreamOffset.fromJson("{\"version\":1}"));
    assertThrows(IllegalArgumentException.class, () -> StreamOffset.fromJson("not json"));
  }
}
