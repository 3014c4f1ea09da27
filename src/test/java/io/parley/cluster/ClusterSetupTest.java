package io.parley.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Hazelcast config each join method produces; forming real clusters is ClusterFailoverIT's job. */
class ClusterSetupTest {

  private static JsonObject cluster(String join) {
    return new JsonObject().put("enabled", true).put("name", "acme-chat").put("host", "127.0.0.1").put("public_host", "")
      .put("port", 5801).put("join", join).put("members", new JsonArray().add("127.0.0.1:5801").add("127.0.0.1:5802"))
      .put("kubernetes_service", "parley-hz").put("heartbeat_timeout_seconds", 5);
  }

  @Test
  void tcp_join_lists_the_members_and_binds_the_interface_only() {
    Config hz = ClusterSetup.hazelcast(cluster("tcp"));
    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertTrue(join.getTcpIpConfig().isEnabled());
    assertEquals(2, join.getTcpIpConfig().getMembers().size());
    assertFalse(join.getMulticastConfig().isEnabled());
    assertFalse(join.getKubernetesConfig().isEnabled());
    assertEquals("acme-chat", hz.getClusterName());
    assertEquals("false", hz.getProperty("hazelcast.socket.bind.any"));
    assertEquals("5", hz.getProperty("hazelcast.max.no.heartbeat.seconds"));
    assertEquals("false", hz.getProperty("hazelcast.phone.home.enabled"));
    assertEquals(5801, hz.getNetworkConfig().getPort());
    // Vert.x's own maps from its default cluster config are kept.
    assertNotNull(hz.getMapConfigOrNull("__vertx.haInfo"));
  }

  @Test
  void multicast_and_kubernetes_joins() {
    assertTrue(ClusterSetup.hazelcast(cluster("multicast")).getNetworkConfig().getJoin().getMulticastConfig().isEnabled());
    JoinConfig k8s = ClusterSetup.hazelcast(cluster("kubernetes")).getNetworkConfig().getJoin();
    assertTrue(k8s.getKubernetesConfig().isEnabled());
    assertEquals("parley-hz", k8s.getKubernetesConfig().getProperty("service-name"));
    assertFalse(k8s.getTcpIpConfig().isEnabled());
  }
}
