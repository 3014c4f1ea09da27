package io.parley;

import io.parley.config.ConfigException;
import io.parley.cluster.ClusterSetup;
import io.parley.config.ConfigLoader;
import io.parley.config.ParleyConfig;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/** {@code java -jar parley.jar}: loads and validates the config, starts a node, stops it gracefully on SIGTERM. */
public final class Main {

  private Main() {
  }

  public static void main(String[] args) {
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    Logger log = LoggerFactory.getLogger(Main.class);

    ParleyConfig config;
    // The config decides how Vert.x itself is built (clustered or not), so it is read first.
    Vertx bootstrap = Vertx.vertx();
    try {
      config = ConfigLoader.load(bootstrap).await();
    } catch (Throwable e) {
      fail(log, e, bootstrap);
      return;
    } finally {
      bootstrap.close();
    }
    LogFormat.apply(config.logFormat());
    ClusterSetup.Started started;
    try {
      started = ClusterSetup.vertx(config, ParleyNode.vertxOptions()).await();
    } catch (Throwable e) {
      fail(log, e, null);
      return;
    }
    Vertx vertx = started.vertx();
    ParleyNode node;
    try {
      node = ParleyNode.start(vertx, config, started.clusterManager()).await();
    } catch (Throwable e) {
      fail(log, e, vertx);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("shutting down");
      try {
        node.stop().compose(v -> vertx.close()).await();
      } catch (Throwable e) {
        log.warn("shutdown did not complete cleanly: {}", e.toString());
      }
    }, "parley-shutdown"));
  }

  /** Startup failed: say why in one line (config problems need no stack trace), release Vert.x, exit 2. */
  private static void fail(Logger log, Throwable e, Vertx vertx) {
    if (e instanceof ConfigException) {
      log.error("{}", e.getMessage());
    } else {
      log.error("start failed: {}", e.toString(), e);
    }
    if (vertx != null) {
      vertx.close().await();
    }
    System.exit(2);
  }
}
