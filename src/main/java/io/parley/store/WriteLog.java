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
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * The embedded store's write-ahead log: every write command, appended in the order it was applied,
 * so that a write can be answered once its record is in the log file instead of after a commit of
 * the whole MVStore (which rewrites every page the write touched: tens of KB per write). The MVStore
 * is committed in the background now and then ({@link DurableH2Backend#checkpoint()}); after a crash,
 * the records the last commit does not cover are applied again.
 *
 * <p>Records: {@code [int length][long seq][int crc32c][BSON {db, cmd, q}]}, little-endian, in
 * segment files {@code wal-<first seq>.log}; a checkpoint starts a new segment and deletes the ones
 * it covers. A record cut short by a crash ends the log (its write was never answered).
 *
 * <p>Group flush: a writer waits until the file holds its record; whoever finds no flush running
 * writes everything appended so far, so concurrent writers share one {@code write} (and, with
 * {@code fsync}, one {@code force}).
 */
final class WriteLog implements AutoCloseable {

  private static final int HEADER = 4 + 8 + 4;
  private static final String PREFIX = "wal-";
  private static final String SUFFIX = ".log";

  /** A logged write command. */
  record Entry(long seq, String database, String command, Document query) {
  }

  private final Path dir;
  private final boolean fsync;
  private final Object lock = new Object();

  private FileChannel segment;
  private Path segmentPath;
  private long segmentFirst;
  private ByteBuf pending = Unpooled.buffer(64 * 1024);
  private long appended;
  private long flushed;
  private boolean flushing;
  private long flushes;

  private WriteLog(Path dir, boolean fsync, long lastSeq) {
    this.dir = dir;
    this.fsync = fsync;
    this.appended = lastSeq;
    this.flushed = lastSeq;
  }

  /**
   * Reads the records after {@code covered} (in order) into {@code replay}, then opens the log for
   * appending after the last record found.
   */
  static WriteLog open(Path dir, boolean fsync, long covered, Consumer<Entry> replay) {
    long last = covered;
    List<Path> segments = segments(dir);
    for (int i = 0; i < segments.size(); i++) {
      last = Math.max(last, read(segments.get(i), covered, i == segments.size() - 1, replay));
    }
    WriteLog log = new WriteLog(dir, fsync, last);
    log.startSegment();
    return log;
  }

  /** Appends a record; the caller applies writes and appends in one order. Returns its seq. */
  long append(String database, String command, Document query) {
    ByteBuf body = Unpooled.buffer(256);
    try {
      BsonEncoder.encodeDocument(new Document("db", database).append("cmd", command).append("q", query), body);
      CRC32C crc = new CRC32C();
      crc.update(body.nioBuffer());
      synchronized (lock) {
        long seq = ++appended;
        pending.writeIntLE(body.readableBytes()).writeLongLE(seq).writeIntLE((int) crc.getValue()).writeBytes(body);
        return seq;
      }
    } finally {
      body.release();
    }
  }

  /** The seq of the last record appended. */
  long appended() {
    synchronized (lock) {
      return appended;
    }
  }

  /** Flushes so far (each writes every record appended before it). */
  long flushes() {
    synchronized (lock) {
      return flushes;
    }
  }

  /** Returns once the record numbered {@code seq} is in the file (and on disk, with fsync). */
  void awaitFlushed(long seq) {
    while (true) {
      ByteBuf batch;
      long covers;
      FileChannel file;
      synchronized (lock) {
        while (flushing && flushed < seq) {
          waitForFlush();
        }
        if (flushed >= seq) {
          return;
        }
        flushing = true;
        batch = pending;
        pending = Unpooled.buffer(Math.max(64 * 1024, batch.capacity()));
        covers = appended;
        file = segment;
      }
      boolean done = false;
      try {
        writeFully(file, batch);
        done = true;
      } finally {
        batch.release();
        synchronized (lock) {
          flushing = false;
          if (done) {
            flushed = Math.max(flushed, covers);
            flushes++;
          }
          lock.notifyAll();
        }
      }
    }
  }

  /**
   * Starts a new segment for the records after {@code through} (every record so far: the caller
   * holds off appends) and returns the segments that {@code through} covers, to delete once the
   * commit that covers them is done.
   */
  List<Path> rotate(long through) {
    awaitFlushed(through);
    synchronized (lock) {
      while (flushing) {
        waitForFlush();
      }
      List<Path> covered = new ArrayList<>(segments(dir));
      covered.remove(segmentPath);
      if (appended >= segmentFirst) {
        covered.add(segmentPath);
        closeSegment();
        startSegment();
      }
      return covered;
    }
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

  @Override
  public void close() {
    synchronized (lock) {
      closeSegment();
      pending.release();
    }
  }

  private void startSegment() {
    segmentFirst = appended + 1;
    Path path = dir.resolve(PREFIX + String.format("%019d", segmentFirst) + SUFFIX);
    segmentPath = path;
    try {
      segment = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      if (fsync) {
        segment.force(true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open write-log segment " + path, e);
    }
  }

  private void closeSegment() {
    try {
      if (segment != null) {
        segment.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close write-log segment", e);
    }
  }

  private void writeFully(FileChannel file, ByteBuf batch) {
    try {
      ByteBuffer bytes = batch.nioBuffer();
      while (bytes.hasRemaining()) {
        file.write(bytes);
      }
      if (fsync) {
        file.force(false);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the write log", e);
    }
  }

  private void waitForFlush() {
    try {
      lock.wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for the write log", e);
    }
  }

  static List<Path> segments(Path dir) {
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
  private static long read(Path path, long covered, boolean newest, Consumer<Entry> replay) {
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
