package io.parley.testing;

import io.parley.ParleyNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * A fresh Parley node for a test: in the test JVM ({@link #inProcess()}) or in a child JVM as
 * {@code java -jar} runs it ({@link #childJvm()}, for kill -9 and real restarts), on a fresh data
 * directory and a free port, with config overrides. Registered on an instance field it starts a node
 * per test; on a static field, one per class:
 * <pre>
 *   &#64;RegisterExtension
 *   final ParleyNodeExtension node = ParleyNodeExtension.inProcess().with(overrides);
 * </pre>
 * It owns the Vert.x its clients run on ({@link #vertx()}); tests that use vertx-junit5 take only the
 * {@code VertxTestContext} from it. Afterwards it closes the clients it handed out, stops the node (kills
 * child JVMs), closes its Vert.x and deletes the data directory.
 */
public final class ParleyNodeExtension extends TestScoped {

  /** Fast but real KDF settings for tests that create many users; the shipped default is checked in AuthFlowTest. */
  public static final int TEST_KDF_ITERATIONS = 10_000;

  /**
   * What every test node runs with unless the test overrides it: fast but real password hashing,
   * rate limits far above what tests do from one address and as one user (the limiter still decides
   * every request; protection/RateLimitTest runs the shipped rates), and no general room, so a test's
   * users are in the conversations it made and no others (rooms/GeneralRoomTest runs the shipped one).
   */
  public static JsonObject testDefaults() {
    JsonObject generous = new JsonObject().put("burst", 1_000_000).put("per_minute", 1_000_000);
    return new JsonObject()
      .put("auth", new JsonObject().put("kdf_iterations", TEST_KDF_ITERATIONS))
      .put("tenants", new JsonObject().put("general_room", ""))
      .put("limits", new JsonObject().put("rates", new JsonObject()
        .put("sends_per_user", generous).put("rest_writes_per_user", generous.copy()).put("auth_per_address", generous.copy())));
  }

  /** {@link #testDefaults()} as PARLEY_* environment variables, for nodes in their own processes. */
  public static Map<String, String> testEnvironment() {
    return environment(testDefaults());
  }

  private static final String PEER_SECRET = "a-test-signing-secret-shared-by-both-nodes";

  private final boolean childJvm;
  private final List<Supplier<JsonObject>> overrides = new ArrayList<>();
  private final List<String> jvmOptions = new ArrayList<>();
  private boolean metrics;
  private boolean manual;

  private Vertx vertx;
  private Clients clients;
  private Path dataDir;
  private JsonObject config;
  private TestNode inProcess;
  private NodeProcess process;
  private final List<NodeProcess> processes = new ArrayList<>();
  private Rest rest;

  private ParleyNodeExtension(boolean childJvm) {
    this.childJvm = childJvm;
  }

  public static ParleyNodeExtension inProcess() {
    return new ParleyNodeExtension(false);
  }

  /** A node in its own JVM ({@link NodeProcess}); overrides reach it as PARLEY_* environment variables. */
  public static ParleyNodeExtension childJvm() {
    return new ParleyNodeExtension(true);
  }

  /** Config overrides, merged deeply over the test defaults (later ones win). */
  public ParleyNodeExtension with(JsonObject overrides) {
    return with(() -> overrides);
  }

  /** Overrides computed when the node starts, e.g. from another node's store or a Redis started first. */
  public ParleyNodeExtension with(Supplier<JsonObject> overrides) {
    this.overrides.add(overrides);
    return this;
  }

  /**
   * One of several nodes that act as one service without a cluster, as a cluster's nodes do: events cross
   * through {@code redis}, and a token one node signs, the others accept.
   */
  public ParleyNodeExtension peer(RedisProcess redis) {
    return with(() -> new JsonObject()
      .put("redis", new JsonObject().put("connection_string", redis.url()))
      .put("auth", new JsonObject().put("jwt_secret", PEER_SECRET)));
  }

  /** A {@link #peer} that also uses {@code first}'s store (register {@code first} before it). */
  public ParleyNodeExtension peer(RedisProcess redis, ParleyNodeExtension first) {
    return peer(redis).with(() -> new JsonObject()
      .put("mongo", new JsonObject().put("connection_string", first.mongoConnectionString())));
  }

  /** Options for a {@link #childJvm()} node's {@code java} command, e.g. {@code -Xmx96m}; every process it starts gets them. */
  public ParleyNodeExtension jvmOptions(String... options) {
    if (!childJvm) {
      throw new IllegalStateException("JVM options need a node in its own JVM: use childJvm()");
    }
    jvmOptions.addAll(List.of(options));
    return this;
  }

  /** Runs the node on a Vert.x with metrics, as Main creates it (metrics are fixed when Vert.x is created). */
  public ParleyNodeExtension withMetrics() {
    this.metrics = true;
    return this;
  }

  /** Does not start the node: the test calls {@link #start(JsonObject)}, e.g. with settings of its own. */
  public ParleyNodeExtension manual() {
    this.manual = true;
    return this;
  }

  // ---- life cycle ----

  @Override
  protected void open() throws Exception {
    vertx = metrics ? Vertx.vertx(ParleyNode.vertxOptions()) : Vertx.vertx();
    clients = new Clients(vertx);
    dataDir = Files.createTempDirectory(childJvm ? "parley-proc-" : "parley-test-");
    if (!manual) {
      Async.await(start(new JsonObject()));
    }
  }

  /** Starts the node with {@code extra} overrides on top of the extension's. */
  public Future<Void> start(JsonObject extra) {
    config = new JsonObject();
    overrides.forEach(o -> config.mergeIn(o.get().copy(), true));
    config.mergeIn(extra, true);
    return restart();
  }

  /** Starts the node again on the same data and settings (after {@link #stop()} or a kill); the port changes. */
  public Future<Void> restart() {
    if (rest != null) {
      rest.close();
    }
    Future<Integer> started;
    if (childJvm) {
      NodeProcess next = newProcess();
      started = vertx.executeBlocking(() -> {
        next.start();
        process = next;
        return next.port();
      });
    } else {
      started = TestNode.start(vertx, dataDir, config).map(node -> {
        inProcess = node;
        return node.port();
      });
    }
    return started.map(port -> {
      rest = new Rest(vertx, port);
      return null;
    });
  }

  /** Stops the in-process node as an orchestrator would (its graceful shutdown). */
  public Future<Void> stop() {
    TestNode node = inProcess;
    inProcess = null;
    return node == null ? Future.succeededFuture() : node.stop();
  }

  /** The child JVM now serving (to kill -9 or SIGTERM it). */
  public NodeProcess process() {
    return process;
  }

  /** Another child JVM on the same data directory and settings, not started; stopped with the rest. */
  public NodeProcess newProcess() {
    NodeProcess next = new NodeProcess(dataDir, environment(config)).jvmOptions(jvmOptions);
    processes.add(next);
    return next;
  }

  @Override
  protected void close() throws Exception {
    Exception failure = null;
    try {
      Async.await(clients.closeAll(), 30);
      if (rest != null) {
        rest.close();
      }
      Async.await(stop(), 30);
    } catch (Exception e) {
      failure = e;
    }
    for (NodeProcess p : processes) {
      if (p.isAlive()) {
        p.kill();
      }
    }
    Async.await(vertx.close(), 30);
    deleteTree(dataDir);
    if (failure != null) {
      throw failure;
    }
  }

  // ---- what tests use ----

  public Vertx vertx() {
    return vertx;
  }

  public int port() {
    return childJvm ? process.port() : inProcess.port();
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port();
  }

  public Path dataDir() {
    return dataDir;
  }

  /** A REST client on the running node (a new one after each restart). */
  public Rest rest() {
    return rest;
  }

  /** The connection string of the running in-process store, for tests that inspect what was persisted. */
  public String mongoConnectionString() {
    return inProcess.mongoConnectionString();
  }

  /** Runs {@code work} on a client of the running in-process store (database {@code parley}), closed afterwards. */
  public <T> Future<T> inStore(java.util.function.Function<io.vertx.ext.mongo.MongoClient, Future<T>> work) {
    io.vertx.ext.mongo.MongoClient client = io.vertx.ext.mongo.MongoClient.create(vertx(), new JsonObject()
      .put("connection_string", mongoConnectionString()).put("db_name", "parley"));
    return work.apply(client).onComplete(done -> client.close());
  }

  /** How many documents a collection of the running in-process store holds. */
  public Future<Long> countIn(String collection) {
    return inStore(client -> client.count(collection, new JsonObject()));
  }

  /** The clients this test opens, on this extension's Vert.x; closed before the node stops. */
  public Clients clients() {
    return clients;
  }

  /**
   * The sum of a metric's samples on {@code /metrics} whose line starts with {@code series} (a name,
   * optionally with the start of its labels), 0 if none; needs {@link #withMetrics()}.
   */
  public double metric(String series) throws Exception {
    String scrape = Async.await(clients.web().get(port(), "127.0.0.1", "/metrics").send()).bodyAsString();
    double sum = 0;
    for (String line : scrape.split("\n")) {
      if (line.startsWith(series)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }

  /** A bridge connection to the node, not yet authenticated or registered. */
  public Future<BridgeClient> bridge() {
    return clients.bridge(port());
  }

  /** A bridge connection with {@code session}'s inbox registered. */
  public Future<BridgeClient> online(JsonObject session) {
    return clients.online(port(), session);
  }

  // ---- helpers ----

  /** {"auth":{"kdf_iterations":9}} → PARLEY_AUTH_KDF_ITERATIONS=9, as EnvOverrides reads them back. */
  private static Map<String, String> environment(JsonObject config) {
    Map<String, String> env = new LinkedHashMap<>();
    flatten("PARLEY", config, env);
    return env;
  }

  private static void flatten(String prefix, JsonObject tree, Map<String, String> env) {
    tree.forEach(entry -> {
      String name = prefix + "_" + entry.getKey().toUpperCase();
      if (entry.getValue() instanceof JsonObject child) {
        flatten(name, child, env);
      } else {
        env.put(name, String.valueOf(entry.getValue()));
      }
    });
  }

  /** Best effort: a leftover temp dir is harmless, so it is reported, not failed. */
  public static void deleteTree(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.out.println("could not delete " + dir + ": " + e);
    }
  }
}
