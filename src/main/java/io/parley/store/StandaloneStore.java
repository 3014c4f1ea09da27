package io.parley.store;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The embedded MongoDB-wire store on its own, for local clusters without a real MongoDB
 * ({@code scripts/cluster.sh}): {@code java -cp parley.jar io.parley.store.StandaloneStore <dataDir> <port>}.
 * Nodes then point {@code mongo.connection_string} at {@code mongodb://127.0.0.1:<port>}.
 */
public final class StandaloneStore {

  private StandaloneStore() {
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 2) {
      System.err.println("usage: StandaloneStore <dataDir> <port>");
      System.exit(2);
    }
    EmbeddedMongo store = EmbeddedMongo.start(Path.of(args[0]), Integer.parseInt(args[1]));
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      store.close();
      stopped.countDown();
    }, "store-shutdown"));
    System.out.println("store ready on " + store.connectionString());
    stopped.await();
  }
}
