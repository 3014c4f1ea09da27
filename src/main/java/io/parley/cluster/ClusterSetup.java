package io.parley.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.parley.config.ParleyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

import java.util.function.Consumer;

/**
 * Creates the node's Vert.x: standalone, or clustered over Hazelcast when {@code cluster.enabled}.
 * The Hazelcast config starts from Vert.x's own (its maps and semaphores; a {@code cluster.xml} on the
 * classpath or {@code -Dvertx.hazelcast.config} replaces it) and gets the join settings of the
 * {@code cluster} section, so an operator sets members with {@code PARLEY_CLUSTER_MEMBERS}.
 */
public final class ClusterSetup {

  private ClusterSetup() {
  }

  /** A started Vert.x and, when clustered, the cluster manager it runs on (for the node id and members). */
  public record Started(Vertx vertx, ClusterManager clusterManager) {
  }

  public static Future<Started> vertx(ParleyConfig config, VertxOptions options) {
    if (!config.clustered()) {
      return Future.succeededFuture(new Started(Vertx.vertx(options), null));
    }
    JsonObject cluster = config.cluster();
    String host = cluster.getString("host");
    if (!host.isBlank()) {
      options.getEventBusOptions().setHost(host).setPort(0);
    }
    if (!cluster.getString("public_host").isBlank()) {
      options.getEventBusOptions().setClusterPublicHost(cluster.getString("public_host"));
    }
    HazelcastClusterManager manager = new HazelcastClusterManager(hazelcast(cluster));
    return Vertx.builder().with(options).withClusterManager(manager).buildClustered().map(vertx -> new Started(vertx, manager));
  }

  /**
   * Calls {@code action} with a member's address as soon as Hazelcast drops it from the cluster: earlier
   * than the cluster manager's {@code nodeLeft}, which comes only after the member's event-bus
   * registrations were removed (a round of map operations, hundreds of ms under load).
   */
  public static void onMemberRemoved(ClusterManager manager, Consumer<String> action) {
    if (manager instanceof HazelcastClusterManager hazelcast) {
      hazelcast.getHazelcastInstance().getCluster().addMembershipListener(new MembershipListener() {
        @Override
        public void memberAdded(MembershipEvent event) {
        }

        @Override
        public void memberRemoved(MembershipEvent event) {
          action.accept(String.valueOf(event.getMember().getAddress()));
        }
      });
    }
  }

  static Config hazelcast(JsonObject cluster) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(cluster.getString("name"));
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.wait.seconds.before.join", "1");
    // How long a frozen (not crashed) member keeps its share of the work before the others drop it.
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", String.valueOf(cluster.getInteger("heartbeat_timeout_seconds")));
    NetworkConfig network = hz.getNetworkConfig();
    network.setPort(cluster.getInteger("port")).setPortAutoIncrement(true);
    String host = cluster.getString("host");
    if (!host.isBlank() && !host.equals("0.0.0.0")) {
      hz.setProperty("hazelcast.socket.bind.any", "false");
      network.getInterfaces().setEnabled(true).addInterface(host);
    }
    if (!cluster.getString("public_host").isBlank()) {
      network.setPublicAddress(cluster.getString("public_host"));
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getKubernetesConfig().setEnabled(false);
    switch (cluster.getString("join")) {
      case "multicast" -> join.getMulticastConfig().setEnabled(true);
      case "kubernetes" -> join.getKubernetesConfig().setEnabled(true)
        .setProperty("service-name", cluster.getString("kubernetes_service"));
      default -> {
        join.getTcpIpConfig().setEnabled(true);
        cluster.getJsonArray("members").forEach(member -> join.getTcpIpConfig().addMember((String) member));
      }
    }
    return hz;
  }
}
