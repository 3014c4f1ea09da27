package io.parley.store;

import de.bwaldvogel.mongo.bson.Document;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The embedded store's write-ahead log: every write command, appended in the order it was applied,
 * so that a write can be answered once its record is in the log file instead of after a commit of
 * the whole MVStore (which rewrites every page the write touched: tens of KB per write). The MVStore
 * is committed in the background now and then ({@link DurableH2Backend#checkpoint()}); after a crash,
 * the records the last commit does not cover are applied again.
 *
 * <p>Records go to segment files ({@link LogSegments}: the format, and reading it back); a checkpoint
 * starts a new segment and deletes the ones it covers.
 *
 * <p>Group flush: a writer waits until the file holds its record; whoever finds no flush running
 * writes everything appended so far, so concurrent writers share one {@code write} (and, with
 * {@code fsync}, one {@code force}).
 */
final class WriteLog implements AutoCloseable {

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
  static WriteLog open(Path dir, boolean fsync, long covered, Consumer<LogSegments.Entry> replay) {
    long last = covered;
    List<Path> segments = LogSegments.list(dir);
    for (int i = 0; i < segments.size(); i++) {
      last = Math.max(last, LogSegments.read(segments.get(i), covered, i == segments.size() - 1, replay));
    }
    WriteLog log = new WriteLog(dir, fsync, last);
    log.startSegment();
    return log;
  }

  /** Appends a record; the caller applies writes and appends in one order. Returns its seq. */
  long append(String database, String command, Document query) {
    ByteBuf body = LogSegments.body(database, command, query);
    try {
      int crc = LogSegments.crc(body);
      synchronized (lock) {
        long seq = ++appended;
        LogSegments.frame(pending, seq, crc, body);
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
      List<Path> covered = new ArrayList<>(LogSegments.list(dir));
      covered.remove(segmentPath);
      if (appended >= segmentFirst) {
        covered.add(segmentPath);
        closeSegment();
        startSegment();
      }
      return covered;
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
    Path path = LogSegments.path(dir, segmentFirst);
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
}
