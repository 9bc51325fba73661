package io.fathom.tools.files;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/** File-tree and archive helpers shared by the stores that unpack uploads (corpora, repositories). Blocking. */
public final class FileTrees {

  private FileTrees() {}

  /** Deletes {@code directory} and everything under it, never following a link; nothing when it is absent. */
  public static void deleteTree(Path directory) throws IOException {
    if (!Files.exists(directory, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Files.walkFileTree(directory, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
        if (e != null) {
          throw e;
        }
        Files.deleteIfExists(dir);
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /**
   * The entry count a zip's end-of-central-directory record declares (its Zip64 record's when there is one),
   * {@link Long#MAX_VALUE} for a Zip64 pointer out of range, or -1 without such a record — read before the
   * central directory is parsed into memory, so an archive claiming millions of entries is refused cheaply.
   */
  public static long declaredZipEntries(Path file) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = channel.size();
      int tail = (int) Math.min(size, 22 + 65_535);
      ByteBuffer buffer = ByteBuffer.allocate(tail).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(buffer, size - tail);
      for (int at = tail - 22; at >= 0; at--) {
        if (buffer.getInt(at) != 0x06054b50) {
          continue;
        }
        long entries = buffer.getShort(at + 10) & 0xffff;
        if (entries != 0xffff || at < 20 || buffer.getInt(at - 20) != 0x07064b50) {
          return entries;
        }
        long zip64 = buffer.getLong(at - 20 + 8);
        if (zip64 < 0 || zip64 + 56 > size) {
          return Long.MAX_VALUE;
        }
        ByteBuffer record = ByteBuffer.allocate(56).order(ByteOrder.LITTLE_ENDIAN);
        channel.read(record, zip64);
        return record.getInt(0) == 0x06064b50 ? record.getLong(32) : Long.MAX_VALUE;
      }
      return -1;
    }
  }
}
