package io.sparkmemmap.format;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Builds zip archives byte by byte, for the layouts no tool writes on demand: ZIP64 end records and ZIP64 extra
 * fields in central records for small archives, and archives behind a prepended stub. Python's zipfile and numpy
 * check what it builds in the tests that use it.
 */
final class ZipBuilder {
  private record Item(String name, byte[] content, boolean deflate) {}

  private final List<Item> items = new ArrayList<>();
  private boolean zip64;
  private byte[] prefix = new byte[0];

  ZipBuilder add(String name, byte[] content, boolean deflate) {
    items.add(new Item(name, content, deflate));
    return this;
  }

  /** Writes every size and offset through ZIP64 extra fields, and a ZIP64 end record with its locator. */
  ZipBuilder zip64() {
    this.zip64 = true;
    return this;
  }

  /** Puts bytes before the archive, as a self-extracting stub does; the archive's offsets ignore them. */
  ZipBuilder prefix(byte[] stub) {
    this.prefix = stub;
    return this;
  }

  byte[] build() {
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    ByteArrayOutputStream central = new ByteArrayOutputStream();
    for (Item item : items) {
      byte[] name = item.name().getBytes(StandardCharsets.UTF_8);
      int flags = item.name().chars().allMatch(c -> c < 0x80) ? 0 : 1 << 11;
      CRC32 crc = new CRC32();
      crc.update(item.content());
      byte[] stored = item.deflate() ? deflate(item.content()) : item.content();
      long offset = zip.size();

      ByteBuffer local = le(30 + name.length + (zip64 ? 20 : 0));
      local.putInt(0x04034b50).putShort((short) 45).putShort((short) flags)
          .putShort((short) (item.deflate() ? 8 : 0)).putShort((short) 0).putShort((short) 0x21)
          .putInt((int) crc.getValue())
          .putInt(zip64 ? -1 : stored.length).putInt(zip64 ? -1 : item.content().length)
          .putShort((short) name.length).putShort((short) (zip64 ? 20 : 0)).put(name);
      if (zip64) {
        local.putShort((short) 1).putShort((short) 16).putLong(item.content().length).putLong(stored.length);
      }
      zip.writeBytes(local.array());
      zip.writeBytes(stored);

      ByteBuffer record = le(46 + name.length + (zip64 ? 28 : 0));
      record.putInt(0x02014b50).putShort((short) 0x031e).putShort((short) 45).putShort((short) flags)
          .putShort((short) (item.deflate() ? 8 : 0)).putShort((short) 0).putShort((short) 0x21)
          .putInt((int) crc.getValue())
          .putInt(zip64 ? -1 : stored.length).putInt(zip64 ? -1 : item.content().length)
          .putShort((short) name.length).putShort((short) (zip64 ? 28 : 0)).putShort((short) 0)
          .putShort((short) 0).putShort((short) 0).putInt(0).putInt(zip64 ? -1 : (int) offset).put(name);
      if (zip64) {
        record.putShort((short) 1).putShort((short) 24)
            .putLong(item.content().length).putLong(stored.length).putLong(offset);
      }
      central.writeBytes(record.array());
    }
    long directoryOffset = zip.size();
    zip.writeBytes(central.toByteArray());
    if (zip64) {
      long recordOffset = zip.size();
      ByteBuffer record = le(56);
      record.putInt(0x06064b50).putLong(44).putShort((short) 45).putShort((short) 45).putInt(0).putInt(0)
          .putLong(items.size()).putLong(items.size()).putLong(central.size()).putLong(directoryOffset);
      zip.writeBytes(record.array());
      ByteBuffer locator = le(20);
      locator.putInt(0x07064b50).putInt(0).putLong(recordOffset).putInt(1);
      zip.writeBytes(locator.array());
    }
    ByteBuffer end = le(22);
    end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0)
        .putShort((short) (zip64 ? -1 : items.size())).putShort((short) (zip64 ? -1 : items.size()))
        .putInt(zip64 ? -1 : central.size()).putInt(zip64 ? -1 : (int) directoryOffset).putShort((short) 0);
    zip.writeBytes(end.array());
    return NpyHeaderTest.concat(prefix, zip.toByteArray());
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  private static byte[] deflate(byte[] content) {
    Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
    try {
      deflater.setInput(content);
      deflater.finish();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      byte[] buffer = new byte[8192];
      while (!deflater.finished()) {
        out.write(buffer, 0, deflater.deflate(buffer));
      }
      return out.toByteArray();
    } finally {
      deflater.end();
    }
  }
}
