package io.parley.cluster;

import io.parley.testing.BrowserScenario;
import io.parley.testing.ClusterExtension;
import io.parley.testing.ScriptCluster;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.BrowserScenario.assertNoPageErrors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * The web client in headless Chromium through nginx in front of two clustered instances
 * (scripts/cluster.sh: own JVMs, Hazelcast, redis-server, one store): two people on different
 * instances see each other's messages, typing, presence, receipts, reactions, edits, thread replies
 * and an image live; then one's network is cut in the browser, she sends, the instance serving her is
 * killed (kill -9), and when her network is back she comes back through the other instance with the
 * message stored and shown once on both sides.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class WebClientClusterIT {

  @RegisterExtension
  final ClusterExtension clusters = new ClusterExtension();

  @Test
  void two_people_on_different_instances_and_an_instance_killed_while_one_is_offline() throws Exception {
    ScriptCluster cluster = clusters.create();
    String base = "http://127.0.0.1:" + cluster.up(2);

    JsonObject live = BrowserScenario.run("two-users.mjs", base, "web-cluster", Map.of(), "spread");
    assertNoPageErrors(live);
    assertNotEquals(live.getJsonArray("nodes").getString(0), live.getJsonArray("nodes").getString(1), "on different instances");
    assertEquals(List.of("message deleted", "@alice ok?", "the view"), live.getJsonArray("bobTexts").getList());

    Map<String, String> env = Map.of("PARLEY_CLUSTER_DIR", cluster.dir().toString(),
      "PARLEY_INSTANCES", new JsonObject(Map.copyOf(cluster.instancesByNodeId())).encode());
    JsonObject cut = BrowserScenario.run("offline.mjs", base, "web-cluster-cut", env, "kill");
    assertNoPageErrors(cut);
    BrowserScenario.assertOfflineScenario(cut);
    assertNotEquals(cut.getString("killed"), cut.getString("nodeAfter"), "back through the other instance");
  }
}
