package io.parley.testing;

import io.parley.ParleyNode;
import io.parley.config.ConfigLoader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;

/**
 * A complete Parley node inside the test JVM, on the real embedded MongoDB-wire store in a given data
 * directory and a free port. Tests get one from {@link ParleyNodeExtension} and talk to it only over
 * HTTP and SockJS, as clients would.
 */
public final class TestNode {

  private final ParleyNode node;

  private TestNode(ParleyNode node) {
    this.node = node;
  }

  /** @param overrides config overrides, merged deeply over the test defaults */
  public static Future<TestNode> start(Vertx vertx, Path dataDir, JsonObject overrides) {
    JsonObject config = ParleyNodeExtension.testDefaults()
      .put("http", new JsonObject().put("port", 0).put("host", "127.0.0.1"))
      .put("mongo", new JsonObject().put("embedded", new JsonObject().put("data_dir", dataDir.toString()).put("port", 0)))
      .put("node", new JsonObject().put("shutdown_grace_ms", 2000));
    config.mergeIn(overrides, true);
    return ConfigLoader.load(vertx, null, config)
      .compose(loaded -> ParleyNode.start(vertx, loaded))
      .map(TestNode::new);
  }

  public int port() {
    return node.httpPort();
  }

  /** The connection string of the running store, for tests that inspect what was persisted. */
  String mongoConnectionString() {
    return node.config().mongoConnectionString();
  }

  public Future<Void> stop() {
    return node.stop();
  }
}
