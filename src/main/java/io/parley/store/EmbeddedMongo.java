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

  private EmbeddedMongo(MongoServer server, DurableH2Backend backend, InetSocketAddress address) {
    this.server = server;
    this.backend = backend;
    this.address = address;
  }

  /** Blocking: opens the store file and binds the port. Call from main or a worker. */
  public static EmbeddedMongo start(Path dataDir, int port) {
    try {
      Files.createDirectories(dataDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data directory " + dataDir.toAbsolutePath(), e);
    }
    Path file = dataDir.resolve("parley.mv");
    DurableH2Backend backend;
    try {
      backend = new DurableH2Backend(file.toString());
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
    return new EmbeddedMongo(server, backend, address);
  }

  /** Store commits so far: with concurrent writers, fewer than the writes (group commit). */
  public long commits() {
    return backend.commits();
  }

  public String connectionString() {
    return "mongodb://127.0.0.1:" + address.getPort();
  }

  /** Closes client connections and the store; the MVStore commits on close. */
  @Override
  public void close() {
    server.shutdownNow();
  }
}
