package io.parley;

import io.parley.config.ConfigException;
import io.parley.config.ConfigLoader;
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

    Vertx vertx = Vertx.vertx(ParleyNode.vertxOptions());
    ParleyNode node;
    try {
      node = ConfigLoader.load(vertx).compose(config -> ParleyNode.start(vertx, config)).await();
    } catch (Throwable e) {
      if (e instanceof ConfigException) {
        log.error("{}", e.getMessage());
      } else {
        log.error("start failed: {}", e.toString(), e);
      }
      vertx.close().await();
      System.exit(2);
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
}
