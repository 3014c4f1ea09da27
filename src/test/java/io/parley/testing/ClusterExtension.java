package io.parley.testing;

import io.vertx.core.Vertx;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Clusters started through {@code scripts/cluster.sh} for one test, each in its own temp state
 * directory, and a Vert.x for the test's clients. After the test the clients close, every cluster goes
 * down (the last created first, whatever failed), and the state directories (logs, nginx config, store)
 * are deleted after a pass, kept after a failure or always with {@code -Dparley.cluster.keep=true}.
 * <pre>
 *   &#64;RegisterExtension
 *   final ClusterExtension clusters = new ClusterExtension();
 *   ...
 *   int nginx = clusters.create().up(3);
 * </pre>
 */
public final class ClusterExtension implements BeforeEachCallback, AfterEachCallback {

  private final List<ScriptCluster> clusters = new ArrayList<>();
  private Vertx vertx;
  private Clients clients;

  @Override
  public void beforeEach(ExtensionContext context) {
    vertx = Vertx.vertx();
    clients = new Clients(vertx);
  }

  public ScriptCluster create() throws Exception {
    return create(Map.of());
  }

  /** A cluster (not yet up) whose instances get {@code env} on top of the script's own settings. */
  public ScriptCluster create(Map<String, String> env) throws Exception {
    ScriptCluster cluster = new ScriptCluster(Files.createTempDirectory("parley-cluster-"), vertx, env);
    clusters.add(cluster);
    return cluster;
  }

  public Vertx vertx() {
    return vertx;
  }

  public Clients clients() {
    return clients;
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    Throwable failure = null;
    try {
      Async.await(clients.closeAll(), 30);
    } catch (Exception e) {
      failure = e;
    }
    // Never leave processes behind: every cluster goes down, the last started first, whatever failed.
    List<ScriptCluster> reversed = new ArrayList<>(clusters);
    Collections.reverse(reversed);
    for (ScriptCluster cluster : reversed) {
      try {
        cluster.down();
      } catch (Exception | AssertionError e) {
        System.out.println("cluster.sh down failed for " + cluster.dir() + ": " + e);
        failure = failure == null ? e : failure;
      }
    }
    Async.await(vertx.close(), 30);
    boolean passed = context.getExecutionException().isEmpty() && failure == null;
    for (ScriptCluster cluster : reversed) {
      if (passed && !Boolean.getBoolean("parley.cluster.keep")) {
        ParleyNodeExtension.deleteTree(cluster.dir());
      } else {
        System.out.println("cluster state and logs kept in " + cluster.dir());
      }
    }
    if (failure instanceof Exception e) {
      throw e;
    } else if (failure != null) {
      throw (AssertionError) failure;
    }
  }
}
