package io.parley.cluster;

import io.parley.testing.BridgeClient;
import io.parley.testing.ClusterExtension;
import io.parley.testing.MixedTraffic;
import io.parley.testing.Rest;
import io.parley.testing.ScriptCluster;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Edits, deletes, reactions, replies and mentions across two clustered instances behind a real nginx
 * ({@link ClusterExtension}): members connected to either instance get every message and every change
 * live once and in order, mention and thread notices cross instances, and a member who was offline
 * catches up through sync to exactly what the store holds.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class RichMessagingClusterIT {

  @RegisterExtension
  final ClusterExtension clusters = new ClusterExtension();

  @Test
  void every_feature_crosses_instances_and_an_offline_member_catches_up() throws Exception {
    ScriptCluster cluster = clusters.create();
    int nginx = cluster.up(2);
    Map<String, Integer> instanceOf = cluster.instancesByNodeId();
    Rest rest = clusters.clients().rest(nginx);
    List<JsonObject> users = await(rest.numberedUsers("rich", "r", 4));
    String room = await(rest.roomWithEveryone(users, "rich"));

    // r0..r2 online; nginx spreads connections: keep opening until both instances hold one.
    List<BridgeClient> online = new ArrayList<>();
    List<Integer> instances = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      BridgeClient client = await(clusters.clients().bridge(nginx));
      instances.add(instanceOf.get(await(client.register(users.get(i))).getString("node")));
      online.add(client);
    }
    for (int attempt = 0; instances.stream().distinct().count() < 2 && attempt < 10; attempt++) {
      online.get(2).close();
      BridgeClient client = await(clusters.clients().bridge(nginx));
      instances.set(2, instanceOf.get(await(client.register(users.get(2))).getString("node")));
      online.set(2, client);
    }
    System.out.println("RICH CLUSTER: members on instances " + instances);
    assertTrue(instances.stream().distinct().count() >= 2, "members on both instances: " + instances);

    // A mention and a reply from one instance notify members on the other.
    String r1 = users.get(1).getString("username");
    JsonObject root = await(online.get(2).send(room, "root", "a question for @" + r1));
    await(online.get(1).awaitEvents(e -> "mention".equals(e.getString("type")), 1));
    await(online.get(0).request("parley.delivery.send", new JsonObject().put("conversationId", room)
      .put("clientMsgId", "reply").put("text", "an answer").put("threadOf", root.getString("id"))));
    JsonObject notice = await(online.get(2).awaitEvents(e -> "thread.reply".equals(e.getString("type")), 1)).get(0);
    assertEquals(root.getString("id"), notice.getString("threadOf"));

    // 200 mixed steps through nginx (REST requests land on either instance).
    MixedTraffic traffic = new MixedTraffic(rest, room, users.subList(0, 3), 7);
    await(traffic.run(200));
    int messages = traffic.sent() + 2;
    int changes = traffic.changes();
    System.out.printf("RICH CLUSTER: %d messages and %d changes across 2 instances%n", messages, changes);
    for (int i = 0; i < online.size(); i++) {
      BridgeClient client = online.get(i);
      List<JsonObject> got = await(client.awaitEvents(e -> "message".equals(e.getString("type")), messages), 60);
      assertEquals(LongStream.rangeClosed(1, messages).boxed().toList(),
        got.stream().map(e -> e.getJsonObject("message").getLong("seq")).toList(), "member on instance " + instances.get(i));
      List<JsonObject> changed = await(client.awaitEvents(e -> "message.changed".equals(e.getString("type")), changes), 60);
      assertEquals(LongStream.rangeClosed(1, changes).boxed().toList(), changed.stream().map(e -> e.getLong("changeSeq")).toList(),
        "every change once, in order, on instance " + instances.get(i));
    }

    // r3 was offline throughout: syncing from nothing (paging both positions) it ends with exactly the store.
    String offline = users.get(3).getString("accessToken");
    TreeMap<Long, JsonObject> caughtUp = new TreeMap<>();
    long seq = 0;
    long changeSeq = 0;
    while (true) {
      JsonObject page = await(rest.expect(200, "/sync", offline, new JsonObject().put("positions",
        new JsonObject().put(room, new JsonObject().put("seq", seq).put("changeSeq", changeSeq))))).getJsonObject("conversations")
        .getJsonObject(room);
      page.getJsonArray("changes").forEach(c -> {
        JsonObject message = ((JsonObject) c).getJsonObject("message");
        caughtUp.put(message.getLong("seq"), message);
      });
      page.getJsonArray("messages").forEach(m -> caughtUp.put(((JsonObject) m).getLong("seq"), (JsonObject) m));
      seq = caughtUp.isEmpty() ? 0 : caughtUp.lastKey();
      changeSeq = page.getLong("changeSeq");
      if (!page.getBoolean("hasMore") && !page.getBoolean("changesHaveMore")) {
        break;
      }
    }
    assertEquals(changes, changeSeq, "the change position ends at the last change");
    assertEquals(await(rest.allMessages(offline, room)), caughtUp, "the offline member holds exactly what the store holds");
  }
}
