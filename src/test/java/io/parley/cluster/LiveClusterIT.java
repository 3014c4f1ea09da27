package io.parley.cluster;

import io.parley.testing.BridgeClient;
import io.parley.testing.ClusterExtension;
import io.parley.testing.Rest;
import io.parley.testing.ScriptCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Typing and presence on two clustered instances behind a real nginx with a real redis-server
 * ({@link ClusterExtension}), with a short presence TTL (6 s) and typing expiry (3 s): signals cross
 * instances, a user's tabs on both instances count as one presence, only contacts see it, a kill -9
 * takes its users offline within the TTL bound, and presence is right again after a Redis restart.
 * Prints "PRESENCE FAILOVER:" and "PRESENCE REDIS RESTART:" lines for the project's notes.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class LiveClusterIT {

  private static final String TYPING = "parley.live.typing";
  private static final String PRESENCE = "parley.live.presence";
  private static final long TTL_MS = 6000;
  private static final long TYPING_EXPIRY_MS = 3000;
  private static final long HEARTBEAT_MS = TTL_MS / 3;
  /** A dead instance's users: offline after their TTL, the next sweep (every second), 1 s more for sweep and fan-out. */
  private static final long FAILOVER_BOUND_MS = TTL_MS + 2000 + 1000;

  @RegisterExtension
  final ClusterExtension clusters = new ClusterExtension();

  private int nginx;
  private Map<String, Integer> instanceOf;

  private ScriptCluster upWithShortTimes() throws Exception {
    ScriptCluster cluster = clusters.create(Map.of("PARLEY_LIVE_PRESENCE_TTL_SECONDS", String.valueOf(TTL_MS / 1000),
      "PARLEY_LIVE_TYPING_EXPIRY_SECONDS", String.valueOf(TYPING_EXPIRY_MS / 1000)));
    nginx = cluster.up(2);
    instanceOf = cluster.instancesByNodeId();
    return cluster;
  }

  /**
   * alice and bob share a DM and a private room; carol (same tenant, no shared conversation) and mallory
   * (another tenant) look on. Typing from alice on instance 1 reaches bob on instance 2, repeats are
   * throttled, and it stops on false and lapses by itself. alice's three tabs on two instances keep her
   * online until the last closes; bob then gets exactly one offline, with lastSeenAt, though it is
   * published in both conversations. carol and mallory never get a presence or typing event about alice
   * and are left out of query answers, as bob is told nothing about carol.
   */
  @Test
  void typing_and_tabs_cross_instances_and_only_contacts_see_them() throws Exception {
    upWithShortTimes();
    Rest rest = clusters.clients().rest(nginx);
    Map<String, JsonObject> users = await(rest.users("live", "alice", "bob", "carol"));
    JsonObject mallory = await(rest.user("live-other", "mallory"));
    String aliceToken = users.get("alice").getString("accessToken");
    await(rest.createConversation(aliceToken, new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob"))));
    String room = await(rest.createConversation(aliceToken, new JsonObject().put("type", "room").put("name", "live")
      .put("visibility", "private").put("members", new JsonArray().add("bob")))).getString("id");
    String aliceId = users.get("alice").getString("userId");
    Predicate<JsonObject> aboutAlice = e -> aliceId.equals(e.getString("userId"));

    BridgeClient bob = on(2, users.get("bob"));
    BridgeClient carol = on(1, users.get("carol"));
    BridgeClient strangerOther = on(2, mallory);

    // (a) Typing: alice on instance 1, bob on instance 2.
    BridgeClient tab1 = on(1, users.get("alice"));
    assertEquals(new JsonObject(), await(tab1.request(TYPING, typing(room, true))));
    for (int i = 0; i < 4; i++) {
      assertEquals(true, await(tab1.request(TYPING, typing(room, true))).getBoolean("dropped"), "a repeat within 2 s is throttled");
    }
    JsonObject started = awaitNext(bob, typingIn(room), 0, 5);
    assertEquals(aliceId, started.getString("userId"));
    assertEquals("alice", started.getString("username"));
    assertTrue(started.getBoolean("typing"));
    assertEquals(TYPING_EXPIRY_MS, started.getLong("expiresInMs"));
    await(tab1.request(TYPING, typing(room, false)));
    assertFalse(awaitNext(bob, typingIn(room), 1, 5).getBoolean("typing"), "stopped; the throttled repeats sent nothing");

    await(tab1.request(TYPING, typing(room, true)));
    long typedAt = System.currentTimeMillis();
    assertTrue(awaitNext(bob, typingIn(room), 2, 5).getBoolean("typing"));
    assertFalse(awaitNext(bob, typingIn(room), 3, 10).getBoolean("typing"), "lapsed by itself");
    long lapsed = System.currentTimeMillis() - typedAt;
    assertTrue(lapsed >= TYPING_EXPIRY_MS - 100 && lapsed < TYPING_EXPIRY_MS + 2000, "lapsed after " + lapsed + " ms");

    // (b) Tabs: alice also on instance 2 and again on 1; online until the last of the three closes.
    BridgeClient tab2 = on(2, users.get("alice"));
    BridgeClient tab3 = on(1, users.get("alice"));
    assertEquals("online", stateOf(bob, aliceId).getString("state"));
    int before = count(bob, presence(aboutAlice));
    await(tab1.close());
    await(tab2.close());
    Thread.sleep(HEARTBEAT_MS);
    assertEquals("online", stateOf(bob, aliceId).getString("state"), "online while a tab on instance 1 is open");
    assertEquals(before, count(bob, presence(aboutAlice)), "closing two of three tabs announces nothing");
    long closedAt = System.currentTimeMillis();
    await(tab3.close());
    JsonObject offline = awaitNext(bob, presence(aboutAlice), before, 10);
    assertEquals("offline", offline.getString("state"));
    assertTrue(offline.getLong("lastSeenAt") >= closedAt - 1000 && offline.getLong("lastSeenAt") <= System.currentTimeMillis(),
      offline.encode());
    assertEquals(new JsonObject().put("state", "offline").put("lastSeenAt", offline.getLong("lastSeenAt")), stateOf(bob, aliceId));
    // Published in the DM and the room, delivered once; nothing comes later (no stale entry left to sweep).
    Thread.sleep(TTL_MS + 2000);
    assertEquals(before + 1, count(bob, presence(aboutAlice)), "exactly one offline: " + bob.events());

    // (e) Neither carol nor another tenant's mallory ever heard of alice, and queries leave her out.
    for (BridgeClient outsider : List.of(carol, strangerOther)) {
      assertEquals(0, count(outsider, e -> aliceId.equals(e.getString("userId"))), outsider.events().toString());
      assertEquals(new JsonObject(), query(outsider, aliceId));
    }
    assertEquals(new JsonObject(), query(bob, users.get("carol").getString("userId")), "bob shares nothing with carol");
    String bobId = users.get("bob").getString("userId");
    assertEquals(0, count(bob, presence(e -> !aliceId.equals(e.getString("userId")) && !bobId.equals(e.getString("userId")))),
      "bob heard of no one but alice (and himself): " + bob.events());
  }

  /**
   * Redis restart, then kill -9. alice (two tabs on instance 1) and dave share a private room with bob
   * (instance 2). redis-server is killed; dave leaves while it is down; once it is back, bob's query
   * answers alice online and dave offline within a few heartbeats. Then instance 1 is killed with
   * kill -9: bob gets alice offline within TTL + sweep slack, and online again when she reconnects
   * through nginx, landing on instance 2.
   */
  @Test
  void presence_is_rebuilt_after_a_redis_restart_and_survives_kill_9() throws Exception {
    ScriptCluster cluster = upWithShortTimes();
    Rest rest = clusters.clients().rest(nginx);
    Map<String, JsonObject> users = await(rest.users("live-crash", "alice", "bob", "dave"));
    await(rest.createConversation(users.get("alice").getString("accessToken"), new JsonObject().put("type", "room")
      .put("name", "crash").put("visibility", "private").put("members", new JsonArray().add("bob").add("dave"))));
    String aliceId = users.get("alice").getString("userId");
    String daveId = users.get("dave").getString("userId");

    BridgeClient bob = on(2, users.get("bob"));
    BridgeClient dave = await(clusters.clients().online(nginx, users.get("dave")));
    on(1, users.get("alice"));
    on(1, users.get("alice"));
    awaitStates(bob, Map.of(aliceId, "online", daveId, "online"), 10_000);

    // (d) Redis restart: dave leaves while Redis is down; its return rebuilds presence from the live connections.
    cluster.redis("kill");
    await(dave.close());
    Thread.sleep(2000);
    cluster.redis("start");
    long rebuilt = awaitStates(bob, Map.of(aliceId, "online", daveId, "offline"), 3 * HEARTBEAT_MS + 4000);
    System.out.printf("PRESENCE REDIS RESTART: alice online and dave (left during the outage) offline %d ms after redis-server "
      + "returned (heartbeat %d ms)%n", rebuilt, HEARTBEAT_MS);

    // (c) kill -9 of the instance holding alice's only connections.
    Predicate<JsonObject> aboutAlice = presence(e -> aliceId.equals(e.getString("userId")));
    int before = count(bob, aboutAlice);
    long killedAt = System.currentTimeMillis();
    cluster.kill(1);
    JsonObject offline = awaitNext(bob, aboutAlice, before, 30);
    long seenAfter = System.currentTimeMillis() - killedAt;
    System.out.printf("PRESENCE FAILOVER: offline seen after %d ms (bound %d ms)%n", seenAfter, FAILOVER_BOUND_MS);
    assertEquals("offline", offline.getString("state"));
    assertTrue(seenAfter <= FAILOVER_BOUND_MS, "offline after " + seenAfter + " ms, bound " + FAILOVER_BOUND_MS);
    assertTrue(offline.getLong("lastSeenAt") >= killedAt && offline.getLong("lastSeenAt") <= killedAt + seenAfter, offline.encode());

    BridgeClient back = await(clusters.clients().bridge(nginx));
    assertEquals(2, instanceOf.get(await(back.register(users.get("alice"))).getString("node")), "reconnected on the survivor");
    assertEquals("online", awaitNext(bob, aboutAlice, before + 1, 10).getString("state"));
    assertEquals("online", stateOf(bob, aliceId).getString("state"));
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** A registered connection of {@code user} on instance {@code wanted}: nginx spreads raw WebSockets at random. */
  private BridgeClient on(int wanted, JsonObject user) throws Exception {
    for (int attempt = 0; attempt < 40; attempt++) {
      BridgeClient client = await(clusters.clients().bridge(nginx));
      if (instanceOf.get(await(client.register(user)).getString("node")) == wanted) {
        return client;
      }
      await(client.close());
    }
    throw new AssertionError("no connection landed on instance " + wanted);
  }

  private static JsonObject typing(String conversationId, boolean on) {
    return new JsonObject().put("conversationId", conversationId).put("typing", on);
  }

  private static Predicate<JsonObject> typingIn(String conversationId) {
    return e -> "typing".equals(e.getString("type")) && conversationId.equals(e.getString("conversationId"));
  }

  private static Predicate<JsonObject> presence(Predicate<JsonObject> about) {
    return e -> "presence".equals(e.getString("type")) && about.test(e);
  }

  private static int count(BridgeClient client, Predicate<JsonObject> match) {
    return (int) client.events().stream().filter(match).count();
  }

  /** The event matching {@code match} after the first {@code seen} of them, within {@code seconds}. */
  private static JsonObject awaitNext(BridgeClient client, Predicate<JsonObject> match, int seen, long seconds) throws Exception {
    return await(client.awaitEvents(match, seen + 1), seconds).get(seen);
  }

  private static JsonObject query(BridgeClient client, String... userIds) throws Exception {
    return await(client.request(PRESENCE, new JsonObject().put("userIds", new JsonArray(List.of(userIds))))).getJsonObject("presence");
  }

  private static JsonObject stateOf(BridgeClient client, String userId) throws Exception {
    return query(client, userId).getJsonObject(userId);
  }

  /** Asks until every user has the expected state (requests may fail meanwhile); yields how long it took. */
  private static long awaitStates(BridgeClient client, Map<String, String> expected, long withinMs) throws Exception {
    long start = System.currentTimeMillis();
    String last = "no answer";
    while (System.currentTimeMillis() - start < withinMs) {
      try {
        JsonObject answer = query(client, expected.keySet().toArray(String[]::new));
        last = answer.encode();
        if (expected.entrySet().stream().allMatch(e -> answer.getJsonObject(e.getKey()) != null
          && e.getValue().equals(answer.getJsonObject(e.getKey()).getString("state")))) {
          return System.currentTimeMillis() - start;
        }
      } catch (Exception | AssertionError e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new AssertionError("not " + expected + " within " + withinMs + " ms; last answer: " + last);
  }
}
