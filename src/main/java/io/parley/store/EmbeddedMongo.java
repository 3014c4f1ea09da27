package io.parley.store;

import de.bwaldvogel.mongo.MongoServer;
import io.parley.config.ConfigException;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.MVStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The embedded default store: a MongoDB-wire-protocol server (mongo-java-server, H2 backend) on
 * loopback, persisting to {@code <data_dir>/parley.mv}. The node talks to it through the ordinary
 * MongoDB driver, exactly as it would to a real MongoDB.
 */
public final class EmbeddedMongo implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedMongo.class);

  private static final int WORKER_THREADS = 64;

  private final MongoServer server;
  private final DurableH2Backend backend;
  private final InetSocketAddress address;
  private final ScheduledExecutorService checkpointer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread thread = new Thread(r, "store-checkpoint");
    thread.setDaemon(true);
    return thread;
  });

  private EmbeddedMongo(MongoServer server, DurableH2Backend backend, InetSocketAddress address) {
    this.server = server;
    this.backend = backend;
    this.address = address;
  }

  /** Blocking: opens the store file and binds the port. Call from main or a worker. */
  public static EmbeddedMongo start(Path dataDir, int port) {
    return start(dataDir, port, Durability.DEFAULT);
  }

  /**
   * How written data is kept: {@code fsync} makes each answer wait until its write-log record is on
   * disk (surviving power loss, at the cost of an fsync per group of writes); without it an answered
   * write survives the process being killed, and reaches the disk within the OS's flush interval.
   * The MVStore is committed every {@code checkpointMillis}.
   */
  public record Durability(boolean fsync, long checkpointMillis) {
    public static final Durability DEFAULT = new Durability(false, 1000);
  }

  /** Blocking: opens the store file (applying logged writes it lacks) and binds the port. */
  public static EmbeddedMongo start(Path dataDir, int port, Durability durability) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + dataDir.toAbsolutePath(), e);
    }
    Path file = dataDir.resolve("parley.mv");
    DurableH2Backend backend;
    try {
      backend = DurableH2Backend.open(dataDir, durability.fsync());
    } catch (MVStoreException e) {
      if (e.getErrorCode() == DataUtils.ERROR_FILE_LOCKED) {
        throw new ConfigException("mongo.embedded.data_dir",
          file.toAbsolutePath() + " is in use by another process (is another node running on this data directory?)");
      }
      throw e;
    }
    MongoServer server = new MongoServer(backend);
    // A worker thread per client connection (the driver pools up to 100): a write waiting for its group
    // commit blocks its thread, and writers on other threads must be able to join that commit.
    server.bind(new InetSocketAddress("127.0.0.1", port), 1, WORKER_THREADS);
    InetSocketAddress address = server.getLocalAddress();
    LOG.info("embedded MongoDB-wire server on {} storing in {}", address, file.toAbsolutePath());
    EmbeddedMongo embedded = new EmbeddedMongo(server, backend, address);
    embedded.checkpointer.scheduleWithFixedDelay(embedded::checkpoint, durability.checkpointMillis(),
      durability.checkpointMillis(), TimeUnit.MILLISECONDS);
    backend.onUnsavedPileUp(() -> {
      try {
        embedded.checkpointer.execute(embedded::checkpoint);
      } catch (RejectedExecutionException closing) {
        // Closing: its last checkpoint covers what is unsaved.
      }
    });
    return embedded;
  }

  private void checkpoint() {
    try {
      backend.checkpoint();
    } catch (RuntimeException e) {
      // Writes stay durable in the log; the next checkpoint tries again.
      LOG.error("store checkpoint failed", e);
    }
  }

  /** Write-log flushes so far: with concurrent writers, fewer than the writes (they share flushes). */
  public long flushes() {
    return backend.flushes();
  }

  public String connectionString() {
    return "mongodb://127.0.0.1:" + address.getPort();
  }

  /** Closes client connections and the store, after a last checkpoint (an empty log is left). */
  @Override
  public void close() {
    // Not shutdownNow: an interrupt must not land in the middle of a commit.
    checkpointer.shutdown();
    try {
      checkpointer.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    server.shutdownNow();
  }
}
