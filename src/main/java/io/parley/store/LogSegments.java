package io.parley.store;

import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The write log on disk: segment files {@code wal-<first seq>.log} of records
 * {@code [int length][long seq][int crc32c][BSON {db, cmd, q}]}, little-endian, and reading them back.
 * A record cut short by a crash ends the newest segment (its write was never answered); a damaged one
 * anywhere else is refused.
 */
final class LogSegments {

  private static final int HEADER = 4 + 8 + 4;
  private static final String PREFIX = "wal-";
  private static final String SUFFIX = ".log";

  /** A logged write command. */
  record Entry(long seq, String database, String command, Document query) {
  }

  private LogSegments() {
  }

  static Path path(Path dir, long firstSeq) {
    return dir.resolve(PREFIX + String.format("%019d", firstSeq) + SUFFIX);
  }

  /** A record's body; the caller releases it. */
  static ByteBuf body(String database, String command, Document query) {
    ByteBuf body = Unpooled.buffer(256);
    BsonEncoder.encodeDocument(new Document("db", database).append("cmd", command).append("q", query), body);
    return body;
  }

  static int crc(ByteBuf body) {
    CRC32C crc = new CRC32C();
    crc.update(body.nioBuffer());
    return (int) crc.getValue();
  }

  /** Writes the record (header and body) to {@code out}. */
  static void frame(ByteBuf out, long seq, int crc, ByteBuf body) {
    out.writeIntLE(body.readableBytes()).writeLongLE(seq).writeIntLE(crc).writeBytes(body, body.readerIndex(), body.readableBytes());
  }

  static void delete(List<Path> segments) {
    for (Path path : segments) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot delete write-log segment " + path, e);
      }
    }
  }

  static List<Path> list(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> {
        String name = p.getFileName().toString();
        return name.startsWith(PREFIX) && name.endsWith(SUFFIX);
      }).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list write-log segments in " + dir, e);
    }
  }

  /** Returns the last seq in the segment; a short or damaged record may only end the newest one. */
  static long read(Path path, long covered, boolean newest, Consumer<Entry> replay) {
    ByteBuffer bytes;
    try {
      bytes = ByteBuffer.wrap(Files.readAllBytes(path)).order(ByteOrder.LITTLE_ENDIAN);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read write-log segment " + path, e);
    }
    long last = 0;
    while (bytes.remaining() > 0) {
      int start = bytes.position();
      Entry entry = next(bytes);
      if (entry == null) {
        if (newest) {
          return last; // the tail of a write cut off by the crash: never answered
        }
        throw new IllegalStateException("write-log segment " + path + " is damaged at byte " + start
          + " (not the newest segment, so this is not a write cut off by a crash)");
      }
      last = entry.seq();
      if (entry.seq() > covered) {
        replay.accept(entry);
      }
    }
    return last;
  }

  private static Entry next(ByteBuffer bytes) {
    if (bytes.remaining() < HEADER) {
      return null;
    }
    int length = bytes.getInt();
    long seq = bytes.getLong();
    int crc = bytes.getInt();
    if (length < 5 || length > bytes.remaining()) {
      return null;
    }
    ByteBuffer body = bytes.slice(bytes.position(), length);
    CRC32C check = new CRC32C();
    check.update(body.duplicate());
    if ((int) check.getValue() != crc) {
      return null;
    }
    bytes.position(bytes.position() + length);
    Document record = BsonDecoder.decodeBson(Unpooled.wrappedBuffer(body));
    return new Entry(seq, (String) record.get("db"), (String) record.get("cmd"), (Document) record.get("q"));
  }
}
