package io.parley.testing;

import io.parley.ParleyNode;
import io.parley.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A complete Parley node inside the test JVM, on the real embedded MongoDB-wire store in a fresh
 * data directory and a free port. Tests talk to it only over HTTP and SockJS, as clients would.
 */
public final class TestNode {

  /** Fast but real KDF settings for tests that create many users; the default is checked in AuthTest. */
  public static final int TEST_KDF_ITERATIONS = 10_000;

  private final ParleyNode node;
  private final Path dataDir;

  private TestNode(ParleyNode node, Path dataDir) {
    this.node = node;
    this.dataDir = dataDir;
  }

  public static Future<TestNode> start(Vertx vertx) {
    return start(vertx, new JsonObject());
  }

  /** @param overrides config overrides, merged deeply over the test defaults */
  public static Future<TestNode> start(Vertx vertx, JsonObject overrides) {
    Path dataDir = tempDir();
    return start(vertx, dataDir, overrides);
  }

  public static Future<TestNode> start(Vertx vertx, Path dataDir, JsonObject overrides) {
    JsonObject config = new JsonObject()
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
      .put("mongo", new JsonObject().put("embedded", new JsonObject().put("data_dir", dataDir.toString()).put("port", 0)))
      .put("auth", new JsonObject().put("kdf_iterations", TEST_KDF_ITERATIONS))
      .put("node", new JsonObject().put("shutdown_grace_ms", 2000));
    config.mergeIn(overrides, true);
    return ConfigLoader.load(vertx, null, config)
      .compose(loaded -> ParleyNode.start(vertx, loaded))
      .map(node -> new TestNode(node, dataDir));
  }

  public static Path tempDir() {
    try {
      return Files.createTempDirectory("parley-test-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public int port() {
    return node.httpPort();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  public Path dataDir() {
    return dataDir;
  }

  /** The connection string of the running store, for tests that inspect what was persisted. */
  public String mongoConnectionString() {
    return node.config().mongoConnectionString();
  }

  public Future<Void> stop() {
    return node.stop();
  }
}
