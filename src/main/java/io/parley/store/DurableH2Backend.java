package io.parley.store;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.micrometer.core.instrument.Timer;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.parley.common.Meters;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The H2 backend of the embedded MongoDB-wire server, answering a write only once it is durable.
 * The MongoDB-wire server left alone commits the MVStore about once a second, so a crash could lose
 * writes the client was already told were stored; committing the MVStore per write instead costs a
 * rewrite of every page the write touched (tens of KB on disk and most of the CPU of a send). So a
 * write is answered once its record is in the {@link WriteLog}; the MVStore is committed by
 * {@link #checkpoint()} now and then, recording which log records the commit covers, and at start
 * the records it does not cover are applied again.
 *
 * <p>Writes are applied and logged one at a time (the library serializes writes to a collection
 * anyway), so the log's order is the order they were applied in, and a checkpoint, which holds
 * writes off while it commits, covers exactly a prefix of the log: nothing is applied twice.
 */
final class DurableH2Backend extends H2Backend {

  private static final Logger LOG = LoggerFactory.getLogger(DurableH2Backend.class);

  private static final Set<String> WRITE_COMMANDS = Set.of(
    "insert", "update", "delete", "findandmodify", "createindexes", "dropindexes",
    "drop", "dropdatabase", "create", "renamecollection");
  private static final String COVERED = "covered";
  private static final int COMPACT_FILL_RATE = 90;
  private static final int COMPACT_BYTES_PER_CHECKPOINT = 4 * 1024 * 1024;

  /**
   * Unsaved changes past this ask for a checkpoint before the scheduled one: uncommitted pages stay in
   * memory until a commit, and large writes (1 MiB GridFS chunks) would otherwise pile up for a whole
   * interval and the commit that serialises them would need as much again (a 200 MB upload ran a 96 MB
   * heap out). The checkpoint, not H2's own memory-triggered commit, so the log knows what it covers.
   */
  private static final int UNSAVED_BYTES_MAX = 4 * 1024 * 1024;

  private final ReentrantLock writes = new ReentrantLock();
  private final AtomicBoolean checkpointAsked = new AtomicBoolean();
  private volatile Runnable askForCheckpoint = () -> { };
  /** Which log records the committed state includes (committed with it). */
  private final MVMap<String, Long> logPosition;
  private final IndexAudit audit = new IndexAudit(this);
  private WriteLog log;

  private DurableH2Backend(MVStore store) {
    super(store);
    this.logPosition = store.openMap("parley.writelog");
  }

  /** Opens the store file in {@code dataDir} and applies the logged writes its last commit lacks. */
  static DurableH2Backend open(Path dataDir, boolean fsync) {
    // Only checkpoints commit: no background commits (autoCommitDisabled) and none when unsaved changes pass
    // a memory mark (buffer size 0), which would commit writes the log then replays a second time.
    MVStore store = new MVStore.Builder().fileName(dataDir.resolve("parley.mv").toString()).autoCommitDisabled()
      .autoCommitBufferSize(0).open();
    // H2 keeps freed chunks 45 s by default in case the OS has not written the newer ones yet; a
    // checkpoint syncs the file before the next one can reuse anything, so space is reused at once
    // (else a busy node's file grows by every page rewritten in the last 45 s: ~5 KB per message).
    store.setRetentionTime(0);
    try {
      DurableH2Backend backend = new DurableH2Backend(store);
      backend.recover(dataDir, fsync);
      return backend;
    } catch (RuntimeException e) {
      store.closeImmediately();
      throw e;
    }
  }

  private void recover(Path dataDir, boolean fsync) {
    EmbeddedChannel channel = new EmbeddedChannel();
    long[] replayed = {0};
    log = WriteLog.open(dataDir, fsync, logPosition.getOrDefault(COVERED, 0L), entry -> {
      try {
        super.handleCommand(channel, entry.database(), entry.command(), entry.query());
      } catch (RuntimeException e) {
        // It failed the same way the first time: its answer said so.
      }
      replayed[0]++;
    });
    handleClose(channel);
    if (replayed[0] > 0) {
      LOG.info("applied {} logged writes that the store file did not hold yet", replayed[0]);
    }
    checkpoint();
  }

  /** Databases with BSON documents and natively compared index keys (see {@link KeyedH2Database}). */
  @Override
  protected MongoDatabase openOrCreateDatabase(String databaseName) {
    return KeyedH2Database.open(databaseName, getMvStore(), getCursorRegistry());
  }

  @Override
  public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
    audit.check(databaseName, command, query);
    if (!WRITE_COMMANDS.contains(command.toLowerCase(Locale.ROOT))) {
      return super.handleCommand(channel, databaseName, command, query);
    }
    Document response = null;
    RuntimeException failure = null;
    long seq;
    writes.lock();
    try {
      try {
        response = super.handleCommand(channel, databaseName, command, query);
      } catch (RuntimeException e) {
        failure = e;
      }
      // Logged after it was applied: the record carries what the library filled in (e.g. ids).
      seq = log.append(databaseName, command, query);
    } finally {
      writes.unlock();
    }
    if (getMvStore().getUnsavedMemory() > UNSAVED_BYTES_MAX && checkpointAsked.compareAndSet(false, true)) {
      askForCheckpoint.run();
    }
    log.awaitFlushed(seq);
    if (failure != null) {
      throw failure;
    }
    return response;
  }

  /**
   * Commits the MVStore with the log position it covers, then drops the log segments it covers.
   * Writes wait meanwhile (a commit takes milliseconds; they would otherwise land half in it).
   */
  void checkpoint() {
    List<Path> covered;
    long started = System.nanoTime();
    writes.lock();
    try {
      checkpointAsked.set(false);
      long through = log.appended();
      logPosition.put(COVERED, through);
      covered = log.rotate(through);
      commit();
    } finally {
      writes.unlock();
    }
    Timer.builder("parley_store_checkpoint").description("how long embedded-store checkpoints held writes off")
      .register(Meters.registry()).record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
    // On disk before the log it replaces is deleted (a commit alone only reaches the OS's cache).
    getMvStore().getFileStore().sync();
    LogSegments.delete(covered);
    // Chunks are freed only once none of their pages is live: copy the live pages of the sparsest ones
    // into the next commit (what H2's background writer would do), so the file stays near its data.
    getMvStore().compact(COMPACT_FILL_RATE, COMPACT_BYTES_PER_CHECKPOINT);
  }

  /** How to get a checkpoint run soon (on the checkpointer's thread) when unsaved changes pile up. */
  void onUnsavedPileUp(Runnable askForCheckpoint) {
    this.askForCheckpoint = askForCheckpoint;
  }

  /** Log flushes so far: with concurrent writers, fewer than the writes (they share flushes). */
  long flushes() {
    return log.flushes();
  }

  /** For tests: stops as a crash would, committing nothing and leaving the log as it is. */
  void abandon() {
    log.close();
    getMvStore().closeImmediately();
  }

  @Override
  public void close() {
    checkpoint();
    log.close();
    super.close();
  }
}
