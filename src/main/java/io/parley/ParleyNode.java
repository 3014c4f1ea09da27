package io.parley;

import io.parley.auth.AuthVerticle;
import io.parley.auth.SigningSecret;
import io.parley.config.ParleyConfig;
import io.parley.delivery.DeliveryVerticle;
import io.parley.gateway.GatewayVerticle;
import io.parley.rooms.RoomsVerticle;
import io.parley.store.EmbeddedMongo;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * One running Parley node: the store it needs, then the concern verticles in the numbers the config
 * asks for, the gateway last so that clients arrive only once the services answer.
 */
public final class ParleyNode {

  private static final Logger LOG = LoggerFactory.getLogger(ParleyNode.class);
  /** Local map key under which the gateway publishes the port it actually bound. */
  public static final String NODE_MAP = "parley.node";
  public static final String HTTP_PORT = "http.port";
  /** Local map key of this node's id: the cluster member id when clustered, else a random one. */
  public static final String NODE_ID = "node.id";

  private final Vertx vertx;
  private final EmbeddedMongo embedded;
  private final List<String> services = new ArrayList<>();
  private final List<String> gateways = new ArrayList<>();
  private final ParleyConfig config;

  private ParleyNode(Vertx vertx, EmbeddedMongo embedded, ParleyConfig config) {
    this.vertx = vertx;
    this.embedded = embedded;
    this.config = config;
  }

  public static VertxOptions vertxOptions() {
    return new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
      .setJvmMetricsEnabled(true)
      .setEnabled(true));
  }

  /** Starts the node on {@code vertx}; blocking steps (store file, secret file) run on a worker. */
  public static Future<ParleyNode> start(Vertx vertx, ParleyConfig loaded) {
    return vertx.executeBlocking(() -> prepare(loaded)).compose(prepared -> {
      ParleyNode node = new ParleyNode(vertx, prepared.embedded(), prepared.config());
      return node.deployAll().map(node).recover(err -> node.stop().transform(ignored -> Future.failedFuture(err)));
    });
  }

  private static Prepared prepare(ParleyConfig config) {
    Path dataDir = Path.of(config.dataDir());
    EmbeddedMongo embedded = null;
    if (config.mongoEmbedded()) {
      embedded = EmbeddedMongo.start(dataDir, config.embeddedMongoPort());
      config = config.with("mongo", "connection_string", embedded.connectionString());
    }
    return new Prepared(config.with("auth", "jwt_secret", SigningSecret.resolve(config.jwtSecret(), dataDir)), embedded);
  }

  private Future<Void> deployAll() {
    ClusterManager cluster = ((VertxInternal) vertx).clusterManager();
    vertx.sharedData().getLocalMap(NODE_MAP).put(NODE_ID, cluster != null ? cluster.getNodeId() : UUID.randomUUID().toString());
    return deploy("auth", AuthVerticle::new, services)
      .compose(v -> deploy("rooms", RoomsVerticle::new, services))
      .compose(v -> deploy("delivery", DeliveryVerticle::new, services))
      .compose(v -> deploy("gateway", GatewayVerticle::new, gateways))
      .onSuccess(v -> LOG.info("node started: {} on {}", describe(), config.httpPort() == 0 ? "port " + httpPort() : "port " + config.httpPort()));
  }

  private Future<Void> deploy(String concern, Supplier<io.vertx.core.Deployable> factory, List<String> into) {
    int instances = config.instances(concern);
    if (instances == 0) {
      return Future.succeededFuture();
    }
    return vertx.deployVerticle(factory, new DeploymentOptions().setConfig(config.json()).setInstances(instances))
      .onSuccess(into::add)
      .mapEmpty();
  }

  /** The bound HTTP port, or -1 when this node runs no gateway. */
  public int httpPort() {
    Object port = vertx.sharedData().getLocalMap(NODE_MAP).get(HTTP_PORT);
    return port instanceof Integer p ? p : -1;
  }

  public String nodeId() {
    return (String) vertx.sharedData().getLocalMap(NODE_MAP).get(NODE_ID);
  }

  public ParleyConfig config() {
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Graceful: gateways first (clients told to reconnect), then services drain, then the store closes. */
  public Future<Void> stop() {
    List<String> order = new ArrayList<>(gateways);
    List<String> rest = new ArrayList<>(services);
    Collections.reverse(rest);
    order.addAll(rest);
    Future<Void> chain = Future.succeededFuture();
    for (String id : order) {
      chain = chain.compose(v -> vertx.undeploy(id).recover(err -> {
        LOG.warn("undeploy of {} failed: {}", id, err.toString());
        return Future.succeededFuture();
      }));
    }
    gateways.clear();
    services.clear();
    return chain.onComplete(v -> {
      if (embedded != null) {
        embedded.close();
      }
    });
  }

  private String describe() {
    return "gateway=" + config.instances("gateway") + " auth=" + config.instances("auth")
      + " rooms=" + config.instances("rooms") + " delivery=" + config.instances("delivery");
  }

  private record Prepared(ParleyConfig config, EmbeddedMongo embedded) {
  }
}
