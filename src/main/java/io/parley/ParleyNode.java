package io.parley;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.parley.attachments.AttachmentsVerticle;
import io.parley.auth.AuthVerticle;
import io.parley.auth.SigningSecret;
import io.parley.cluster.ClusterSetup;
import io.parley.common.BusRequests;
import io.parley.common.Concern;
import io.parley.common.Meters;
import io.parley.common.NodeInfo;
import io.parley.config.ParleyConfig;
import io.parley.delivery.DeliveryVerticle;
import io.parley.gateway.GatewayVerticle;
import io.parley.rooms.RoomsVerticle;
import io.parley.store.EmbeddedMongo;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.micrometer.backends.BackendRegistries;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One running Parley node: the store it needs, then the concern verticles in the numbers the config
 * asks for, in {@link Concern} order (the gateway last, so that clients arrive only once the services
 * answer).
 */
public final class ParleyNode {

  private static final Logger LOG = LoggerFactory.getLogger(ParleyNode.class);

  private final Vertx vertx;
  private final EmbeddedMongo embedded;
  private final ParleyConfig config;
  private final NodeInfo info;
  /** Deployment ids in deploy order. */
  private final List<String> deployments = new ArrayList<>();

  private ParleyNode(Vertx vertx, EmbeddedMongo embedded, ParleyConfig config, NodeInfo info) {
    this.vertx = vertx;
    this.embedded = embedded;
    this.config = config;
    this.info = info;
  }

  public static VertxOptions vertxOptions() {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
      .setJvmMetricsEnabled(true)
      .setEnabled(true);
    // Vert.x takes the registry already set up under the options' name (if none is, it makes one without
    // our filter): this one has the filter before Vert.x registers its first meter, as Micrometer requires.
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().meterFilter(Meters.libraryLatencyHistograms());
    BackendRegistries.setupBackend(metrics, registry);
    return new VertxOptions().setMetricsOptions(metrics);
  }

  /** Starts a standalone (not clustered) node on {@code vertx}. */
  public static Future<ParleyNode> start(Vertx vertx, ParleyConfig loaded) {
    return start(vertx, loaded, null);
  }

  /** Starts the node; blocking steps (store file, secret file) run on a worker. */
  public static Future<ParleyNode> start(Vertx vertx, ParleyConfig loaded, ClusterManager cluster) {
    NodeInfo info = cluster == null
      ? new NodeInfo(UUID.randomUUID().toString(), () -> null)
      : new NodeInfo(cluster.getNodeId(), cluster::getNodes);
    BusRequests requests = BusRequests.install(vertx, Arrays.stream(Concern.values()).filter(c -> loaded.instances(c) > 0)
      .collect(Collectors.toSet()), cluster);
    ClusterSetup.onMemberRemoved(cluster, requests::memberDropped);
    return vertx.executeBlocking(() -> prepare(loaded)).compose(prepared -> {
      ParleyNode node = new ParleyNode(vertx, prepared.embedded(), prepared.config(), info);
      return node.deployAll().map(node).recover(err -> node.stop().transform(ignored -> Future.failedFuture(err)));
    });
  }

  private static Prepared prepare(ParleyConfig config) {
    Path dataDir = Path.of(config.dataDir());
    EmbeddedMongo embedded = null;
    if (config.mongoEmbedded()) {
      embedded = EmbeddedMongo.start(dataDir, config.embeddedMongoPort(),
        new EmbeddedMongo.Durability(config.embeddedMongoFsync(), config.embeddedMongoCheckpointMs()));
      // The store runs in this process, so it cannot freeze while the node runs on: no socket timeout
      // that a long checkpoint could trip.
      config = config.with("mongo", "connection_string", embedded.connectionString()).with("mongo", "socket_timeout_ms", 0);
    }
    return new Prepared(config.with("auth", "jwt_secret", SigningSecret.resolve(config.jwtSecret(), dataDir)), embedded);
  }

  private Future<Void> deployAll() {
    Future<Void> chain = Future.succeededFuture();
    for (Concern concern : Concern.values()) {
      chain = chain.compose(v -> deploy(concern));
    }
    return chain.onSuccess(v -> LOG.info("node started: {} on port {}", describe(), httpPort()));
  }

  private Future<Void> deploy(Concern concern) {
    int instances = config.instances(concern);
    if (instances == 0) {
      return Future.succeededFuture();
    }
    return vertx.deployVerticle(verticle(concern), new DeploymentOptions().setConfig(config.json()).setInstances(instances))
      .onSuccess(deployments::add)
      .mapEmpty();
  }

  private Supplier<Deployable> verticle(Concern concern) {
    return switch (concern) {
      case AUTH -> AuthVerticle::new;
      case ROOMS -> RoomsVerticle::new;
      case ATTACHMENTS -> AttachmentsVerticle::new;
      case DELIVERY -> DeliveryVerticle::new;
      case GATEWAY -> () -> new GatewayVerticle(info);
    };
  }

  /** The bound HTTP port, or -1 when this node runs no gateway. */
  public int httpPort() {
    return info.httpPort();
  }

  public String nodeId() {
    return info.nodeId();
  }

  public ParleyConfig config() {
    return config;
  }

  public Vertx vertx() {
    return vertx;
  }

  /** Graceful: gateways first (clients told to reconnect), then services drain, then the store closes. */
  public Future<Void> stop() {
    List<String> order = new ArrayList<>(deployments);
    Collections.reverse(order);
    deployments.clear();
    Future<Void> chain = Future.succeededFuture();
    for (String id : order) {
      chain = chain.compose(v -> vertx.undeploy(id).recover(err -> {
        LOG.warn("undeploy of {} failed: {}", id, err.toString());
        return Future.succeededFuture();
      }));
    }
    return chain.onComplete(v -> {
      if (embedded != null) {
        embedded.close();
      }
    });
  }

  private String describe() {
    return Arrays.stream(Concern.values()).map(c -> c.key() + "=" + config.instances(c)).collect(Collectors.joining(" "));
  }

  private record Prepared(ParleyConfig config, EmbeddedMongo embedded) {
  }
}
