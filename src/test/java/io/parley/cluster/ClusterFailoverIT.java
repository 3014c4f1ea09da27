package io.parley.cluster;

import io.parley.testing.BridgeClient;
import io.parley.testing.ResilientClient;
import io.parley.testing.Rest;
import io.parley.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parley as operators run it: several real instances (own JVMs, Hazelcast-clustered over loopback)
 * behind a real nginx, with a real redis-server and one shared store, all started by
 * {@code scripts/cluster.sh}. Clients connect only through nginx. Covers spreading clients over the
 * instances, cross-instance delivery, kill -9 of an instance and a Redis restart under load (nothing
 * acked is lost, clients reconnect and catch up), split concerns (a gateway-only node), and two
 * separate clusters that share Redis, the store and the token secret.
 *
 * <p>Each test runs its own cluster in a temp dir ($PARLEY_CLUSTER_DIR) and always takes it down; the
 * dir (logs, nginx config, store) is deleted after a pass and kept after a failure, or always with
 * {@code -Dparley.cluster.keep=true}. The load tests print one summary line each ("FAILOVER:",
 * "REDIS RESTART:") for the project's notes.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterFailoverIT {

  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final String TENANT = "clustered";

  private Vertx vertx;
  private final List<Cluster> clusters = new ArrayList<>();
  private final List<ResilientClient> resilient = new CopyOnWriteArrayList<>();
  private final List<BridgeClient> bridges = new ArrayList<>();
  private final List<SockJsClient> sockJs = new ArrayList<>();
  private boolean passed;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    Exception failure = null;
    try {
      for (ResilientClient client : resilient) {
        client.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      bridges.forEach(BridgeClient::close);
      sockJs.forEach(SockJsClient::close);
    } catch (Exception e) {
      failure = e;
    }
    // Never leave processes behind: every cluster goes down, the last started first, whatever failed.
    List<Cluster> reversed = new ArrayList<>(clusters);
    Collections.reverse(reversed);
    for (Cluster cluster : reversed) {
      try {
        cluster.down();
      } catch (Exception | AssertionError e) {
        System.out.println("cluster.sh down failed for " + cluster.dir + ": " + e);
        if (failure == null) {
          failure = new Exception(e);
        }
      }
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    for (Cluster cluster : reversed) {
      if (passed && failure == null && !Boolean.getBoolean("parley.cluster.keep")) {
        cluster.deleteDir();
      } else {
        System.out.println("cluster state and logs kept in " + cluster.dir);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  // ------------------------------------------------------------------------------------------------

  @Test
  void three_instances_behind_nginx() throws Exception {
    Cluster cluster = cluster(Map.of());
    int nginx = cluster.up(3);
    Map<String, Integer> instanceOf = cluster.instancesByNodeId();
    assertEquals(3, instanceOf.size(), "three instances with distinct node ids: " + instanceOf);

    Rest rest = new Rest(vertx, nginx);
    List<JsonObject> users = registerUsers(rest, "u", 12);
    List<String> others = users.subList(1, users.size()).stream().map(u -> u.getString("username")).toList();
    String room = await(rest.createConversation(users.get(0).getString("accessToken"),
      new JsonObject().put("type", "room").put("name", "everyone").put("members", new JsonArray(others)))).getString("id");

    // Twelve clients on the raw WebSocket endpoint: nginx spreads sessionless requests over the instances.
    List<Connected> clients = new ArrayList<>();
    for (JsonObject user : users) {
      BridgeClient client = await(BridgeClient.connect(vertx, nginx));
      bridges.add(client);
      JsonObject ready = await(client.token(user.getString("accessToken")).register(BridgeClient.inboxOf(user)));
      clients.add(new Connected(user, client, ready.getString("node")));
    }
    // Six more: real SockJS session URLs (/eventbus/<server>/<session>/websocket), hashed on the session id.
    List<SockJsClient> sessions = new ArrayList<>();
    for (JsonObject user : users.subList(0, 6)) {
      String server = String.format("%03d", ThreadLocalRandom.current().nextInt(1000));
      String session = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
      SockJsClient client = await(SockJsClient.connect(vertx, nginx, "/eventbus/" + server + "/" + session + "/websocket"));
      sockJs.add(client);
      sessions.add(client);
      await(client.register(user.getString("accessToken"), BridgeClient.inboxOf(user)));
    }
    // And SockJS xhr-polling sessions: every request of a session must reach the instance that holds it
    // (nginx hashes on the session id), or xhr_send and the polls would answer 404 elsewhere.
    List<String> xhrNodes = new ArrayList<>();
    for (JsonObject user : users.subList(6, 9)) {
      xhrNodes.add(xhrPollingReady(nginx, user));
    }
    Map<Integer, Long> rawSpread = spread(clients.stream().map(c -> c.node), instanceOf);
    Map<Integer, Long> sockJsSpread = spread(sessions.stream().map(s -> s.node), instanceOf);
    System.out.println("DISTRIBUTION over instances (instance → clients): raw /eventbus/websocket " + rawSpread
      + ", SockJS websocket session URLs " + sockJsSpread + ", SockJS xhr-polling sessions " + spread(xhrNodes.stream(), instanceOf));
    assertTrue(rawSpread.size() >= 2, "12 clients through nginx landed on at least 2 instances: " + rawSpread);
    Set<Integer> all = new HashSet<>(rawSpread.keySet());
    all.addAll(sockJsSpread.keySet());
    assertTrue(all.size() >= 2, "all connections spread: " + all);

    // One message from a client on instance X reaches every connection on every instance exactly once;
    // then one from a client on another instance Y.
    Connected x = clients.get(0);
    Connected y = clients.stream().filter(c -> !c.node.equals(x.node)).findFirst().orElseThrow();
    JsonObject first = await(x.client.request("parley.delivery.send", message(room, "x-1", "from instance " + instanceOf.get(x.node))));
    awaitAll(clients, sessions, room, 1);
    JsonObject second = await(y.client.request("parley.delivery.send", message(room, "y-1", "from instance " + instanceOf.get(y.node))));
    awaitAll(clients, sessions, room, 2);
    List<Long> expected = List.of(first.getLong("seq"), second.getLong("seq"));
    assertEquals(List.of(1L, 2L), expected);
    for (Connected c : clients) {
      assertEquals(expected, seqs(c.client.events(), room), c.name() + " on instance " + instanceOf.get(c.node) + " got each message exactly once");
    }
    for (SockJsClient s : sessions) {
      assertEquals(expected, seqs(s.events, room), "SockJS session on instance " + instanceOf.get(s.node) + " got each message exactly once");
    }

    // A DM between two users on different instances crosses both ways.
    Connected a = clients.get(1);
    Connected b = clients.stream().filter(c -> c != a && !c.node.equals(a.node)).findFirst().orElseThrow();
    String dm = await(rest.createConversation(a.user.getString("accessToken"),
      new JsonObject().put("type", "dm").put("members", new JsonArray().add(b.name())))).getString("id");
    for (Connected c : List.of(a, b)) {
      await(c.client.awaitEvents(e -> "conversation.added".equals(e.getString("type")) && dm.equals(e.getString("conversationId")), 1));
    }
    await(a.client.request("parley.delivery.send", message(dm, "a-1", "hi from instance " + instanceOf.get(a.node))));
    await(b.client.request("parley.delivery.send", message(dm, "b-1", "hi from instance " + instanceOf.get(b.node))));
    for (Connected c : List.of(a, b)) {
      List<JsonObject> got = await(c.client.awaitMessages(dm, 2));
      assertEquals(List.of("hi from instance " + instanceOf.get(a.node), "hi from instance " + instanceOf.get(b.node)),
        got.stream().map(e -> e.getJsonObject("message").getString("text")).toList(), c.name());
    }
    // The DM stayed between the two: a third user's connection saw none of it.
    Connected third = clients.stream().filter(c -> c != a && c != b).findFirst().orElseThrow();
    assertTrue(third.client.events().stream().noneMatch(e -> dm.equals(e.getString("conversationId"))));
    for (Connected c : List.of(a, b)) {
      assertEquals(List.of(1L, 2L), seqs(c.client.events(), dm), c.name() + " got each DM message exactly once");
    }
    passed = true;
  }

  @Test
  void failover_kill_9_under_load() throws Exception {
    Cluster cluster = cluster(Map.of());
    int nginx = cluster.up(3);
    Map<String, Integer> instanceOf = cluster.instancesByNodeId();
    Rest rest = new Rest(vertx, nginx);
    List<JsonObject> users = registerUsers(rest, "f", 6);
    String room = roomWithEveryone(rest, users, "failover");
    List<ResilientClient> clients = resilientClients(nginx, users, room);

    Load load = new Load(nginx, room, users.subList(0, 3));
    load.start();
    load.awaitAcked(60, 30_000);
    Thread.sleep(2000);

    // Kill the instance that holds the most clients.
    Map<Integer, Long> spread = spread(clients.stream().map(ResilientClient::node), instanceOf);
    int victim = spread.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    Set<ResilientClient> onVictim = clients.stream().filter(c -> instanceOf.get(c.node()) == victim).collect(Collectors.toSet());
    System.out.println("clients per instance before the kill: " + spread + "; killing instance " + victim
      + " at " + System.currentTimeMillis());
    load.phase("killed");
    cluster.kill(victim);
    Thread.sleep(5000);
    load.stop();

    WaitResult wait = awaitComplete(clients, load.ackedSeqs(), 30_000);
    Report report = verify(rest, users.get(0), room, load, clients, wait);

    List<Long> reconnects = clients.stream().flatMap(c -> c.reconnectMillis().stream()).sorted().toList();
    long reconnected = clients.stream().filter(c -> !c.reconnectMillis().isEmpty()).count();
    System.out.printf("FAILOVER: killed instance %d of 3 (kill -9) holding %d of %d clients; acked=%d (seq 1..%d, no gaps), "
        + "stored=%d; received per member after dedup=%s; duplicates before dedup=%d (per member %s, of which live %d); "
        + "clients reconnected=%d (reconnects %d); reconnect ms min/median/max=%s; first received via live/sync/history=%d/%d/%d; "
        + "failed send attempts (retried with the same clientMsgId)=%s; seqs no member got live=%s; "
        + "all members complete %d ms after the load stopped%n",
      victim, onVictim.size(), clients.size(), report.acked, report.acked, report.stored, ResilientClient.sizes(clients),
      report.duplicates, clients.stream().map(ResilientClient::duplicates).toList(), report.liveDuplicates,
      reconnected, reconnects.size(), minMedianMax(reconnects), report.live, report.sync, report.history,
      load.failures, neverLive(clients, load.ackedSeqs()), wait.millis);
    clients.forEach(c -> System.out.println("  " + c));
    Map<Long, String> idOf = new TreeMap<>();
    load.acked.forEach((id, seq) -> idOf.put(seq, id));
    for (Long seq : neverLive(clients, load.ackedSeqs())) {
      System.out.println("  seq " + seq + " (" + idOf.get(seq) + ", acked@" + load.ackedAt.get(idOf.get(seq))
        + ") reached no member live; its failed attempts: " + load.failedAttempts.get(idOf.get(seq)) + "; first arrivals: "
        + clients.stream().map(c -> c.firstArrival(seq)).toList());
    }
    load.failedAttempts.forEach((id, attempts) -> System.out.println("  resent " + id + " → seq " + load.acked.get(id) + " after " + attempts));

    assertTrue(wait.complete, "every member has every acked message within 30 s: " + wait.detail);
    // Redis stayed up, so a member registered before a message was stored, and still connected, gets it
    // live: sync and gap-filling are for reconnects, not for connected clients.
    List<String> missedLive = missedLive(clients, c -> c.readySince());
    assertTrue(missedLive.isEmpty(), "connected members got every message stored after their ready live; missed: " + missedLive);
    assertFalse(onVictim.isEmpty());
    for (ResilientClient c : onVictim) {
      assertFalse(c.reconnectMillis().isEmpty(), c.name() + " was on the killed instance and reconnected");
      assertNotEquals(victim, instanceOf.get(c.node()), c.name() + " now on a surviving instance");
    }
    passed = true;
  }

  @Test
  void redis_restart_under_load() throws Exception {
    Cluster cluster = cluster(Map.of());
    int nginx = cluster.up(2);
    Rest rest = new Rest(vertx, nginx);
    List<JsonObject> users = registerUsers(rest, "r", 6);
    String room = roomWithEveryone(rest, users, "redis-restart");
    List<ResilientClient> clients = resilientClients(nginx, users, room);

    Load load = new Load(nginx, room, users.subList(0, 3));
    load.start();
    load.awaitAcked(40, 30_000);
    Thread.sleep(1000);

    load.phase("redis-down");
    cluster.redis("kill");
    int ackedBefore = load.acked.size();
    Thread.sleep(3000);
    int ackedWhileDown = load.acked.size() - ackedBefore;
    load.phase("redis-back");
    cluster.redis("start");
    // Every gateway resubscribes and tells its clients to sync; the load goes on meanwhile.
    long deadline = System.currentTimeMillis() + 20_000;
    while (clients.stream().anyMatch(c -> c.resyncs() == 0) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    // Some load after every member resynced: the live path must work again (publishers reconnected too).
    Thread.sleep(2000);
    load.stop();

    WaitResult wait = awaitComplete(clients, load.ackedSeqs(), 30_000);
    Report report = verify(rest, users.get(0), room, load, clients, wait);
    System.out.printf("REDIS RESTART: redis-server killed (kill -9) for 3 s under load, 2 instances; acked=%d (seq 1..%d, no gaps), "
        + "%d of them acked while Redis was down; stored=%d; received per member after dedup=%s; duplicates before dedup=%d "
        + "(per member %s, of which live %d); resync events per member=%s; syncs per member=%s; socket closes=%d; "
        + "first received via live/sync/history=%d/%d/%d; messages stored 1 s after the last resync (must be live)=%d; "
        + "failed send attempts=%s; all members complete %d ms after the load stopped%n",
      report.acked, report.acked, ackedWhileDown, report.stored, ResilientClient.sizes(clients), report.duplicates,
      clients.stream().map(ResilientClient::duplicates).toList(), report.liveDuplicates,
      clients.stream().map(ResilientClient::resyncs).toList(), clients.stream().map(ResilientClient::syncs).toList(),
      clients.stream().mapToInt(ResilientClient::closes).sum(), report.live, report.sync, report.history,
      afterResync(clients), load.failures, wait.millis);
    clients.forEach(c -> System.out.println("  " + c));

    assertTrue(wait.complete, "every member has every acked message within 30 s: " + wait.detail);
    assertTrue(ackedWhileDown > 0, "sends are acked while Redis is down (MongoDB is the truth)");
    assertEquals(0, load.failuresIn("redis-down") + load.failuresIn("redis-back"),
      "no send fails because Redis is down or restarting: " + load.failures);
    for (ResilientClient c : clients) {
      assertTrue(c.resyncs() >= 1, c.name() + " was told to resync after Redis came back");
    }
    // Once a member has resynced, live delivery is back: what is stored a moment later arrives live.
    List<String> missedLive = missedLive(clients, c -> c.lastResyncAt() + 1000);
    assertTrue(missedLive.isEmpty(), "members got every message stored 1 s after their resync live; missed: " + missedLive);
    passed = true;
  }

  @Test
  void split_roles() throws Exception {
    Cluster cluster = cluster(Map.of("CLUSTER_ROLES_1", "gateway", "CLUSTER_ROLES_2", "auth,rooms,delivery"));
    int nginx = cluster.up(2);
    List<Instance> instances = cluster.ps();
    assertEquals("gateway", instances.get(0).roles);
    assertEquals("auth,rooms,delivery", instances.get(1).roles);
    JsonObject node1 = nodeInfo(instances.get(0).url);
    assertEquals(new JsonArray().add("gateway"), node1.getJsonArray("roles"), node1.encode());
    assertEquals(2, node1.getJsonArray("members").size(), "the gateway-only node sees both members: " + node1.encode());

    Rest rest = new Rest(vertx, nginx);
    // register and login (auth on instance 2), a room (rooms on instance 2), chat (delivery on instance 2).
    JsonObject alice = await(rest.user(TENANT, "alice"));
    JsonObject bob = await(rest.user(TENANT, "bob"));
    String room = await(rest.createConversation(alice.getString("accessToken"),
      new JsonObject().put("type", "room").put("name", "split").put("members", new JsonArray().add("bob")))).getString("id");
    BridgeClient aliceClient = await(BridgeClient.connect(vertx, nginx));
    bridges.add(aliceClient);
    BridgeClient bobClient = await(BridgeClient.connect(vertx, nginx));
    bridges.add(bobClient);
    JsonObject aliceReady = await(aliceClient.token(alice.getString("accessToken")).register(BridgeClient.inboxOf(alice)));
    JsonObject bobReady = await(bobClient.token(bob.getString("accessToken")).register(BridgeClient.inboxOf(bob)));
    for (JsonObject ready : List.of(aliceReady, bobReady)) {
      assertEquals(node1.getString("nodeId"), ready.getString("node"), "served by the gateway-only node");
      assertEquals(room, ready.getJsonArray("conversations").getJsonObject(0).getString("id"));
    }
    await(aliceClient.request("parley.delivery.send", message(room, "a-1", "hello bob")));
    await(bobClient.request("parley.delivery.send", message(room, "b-1", "hello alice")));
    await(rest.send(alice.getString("accessToken"), room, "a-2", "over REST"));
    for (BridgeClient client : List.of(aliceClient, bobClient)) {
      List<JsonObject> got = await(client.awaitMessages(room, 3));
      assertEquals(List.of("hello bob", "hello alice", "over REST"),
        got.stream().map(e -> e.getJsonObject("message").getString("text")).toList());
    }
    JsonObject history = await(rest.history(bob.getString("accessToken"), room, "after=0"));
    assertEquals(3, history.getJsonArray("messages").size());
    passed = true;
  }

  @Test
  void two_separate_clusters_share_redis() throws Exception {
    Cluster x = cluster(Map.of());
    int nginxX = x.up(1);
    Cluster y = cluster(Map.of(
      "PARLEY_REDIS_CONNECTION_STRING", x.file("redis.url"),
      "PARLEY_MONGO_CONNECTION_STRING", x.file("mongo.url"),
      "PARLEY_AUTH_JWT_SECRET", x.file("jwt-secret")));
    int nginxY = y.up(1);

    JsonObject nodeX = nodeInfo(x.ps().get(0).url);
    JsonObject nodeY = nodeInfo(y.ps().get(0).url);
    assertEquals(new JsonArray().add(nodeX.getString("nodeId")), nodeX.getJsonArray("members"), "X is a cluster of one: " + nodeX);
    assertEquals(new JsonArray().add(nodeY.getString("nodeId")), nodeY.getJsonArray("members"), "Y is a cluster of one: " + nodeY);

    Rest restX = new Rest(vertx, nginxX);
    Rest restY = new Rest(vertx, nginxY);
    JsonObject alice = await(restX.user(TENANT, "alice"));
    JsonObject bob = await(restY.user(TENANT, "bob"));
    BridgeClient aliceOnX = await(BridgeClient.connect(vertx, nginxX));
    bridges.add(aliceOnX);
    BridgeClient bobOnY = await(BridgeClient.connect(vertx, nginxY));
    bridges.add(bobOnY);
    assertEquals(nodeX.getString("nodeId"), await(aliceOnX.token(alice.getString("accessToken")).register(BridgeClient.inboxOf(alice))).getString("node"));
    assertEquals(nodeY.getString("nodeId"), await(bobOnY.token(bob.getString("accessToken")).register(BridgeClient.inboxOf(bob))).getString("node"));

    JsonObject dm = await(aliceOnX.request("parley.rooms.create", new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob"))));
    String id = dm.getString("id");
    await(bobOnY.awaitEvents(e -> "conversation.added".equals(e.getString("type")) && id.equals(e.getString("conversationId")), 1));
    await(aliceOnX.request("parley.delivery.send", message(id, "a-1", "from cluster X")));
    await(bobOnY.request("parley.delivery.send", message(id, "b-1", "from cluster Y")));
    for (BridgeClient client : List.of(aliceOnX, bobOnY)) {
      List<JsonObject> got = await(client.awaitMessages(id, 2));
      assertEquals(List.of("from cluster X", "from cluster Y"), got.stream().map(e -> e.getJsonObject("message").getString("text")).toList());
    }
    // A token issued by X is accepted by Y: they share the secret.
    await(restY.expectGet(200, "/me", alice.getString("accessToken")));
    // Tear down Y first, then X (whose Redis and store Y used); tearDown does the same for failures.
    y.down();
    x.down();
    passed = true;
  }

  // ---- scenario helpers ------------------------------------------------------------------------

  private Cluster cluster(Map<String, String> env) throws IOException {
    Cluster cluster = new Cluster(Files.createTempDirectory("parley-cluster-"), env);
    clusters.add(cluster);
    return cluster;
  }

  private List<JsonObject> registerUsers(Rest rest, String prefix, int count) throws Exception {
    List<JsonObject> users = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      users.add(await(rest.user(TENANT, String.format("%s%02d", prefix, i))));
    }
    return users;
  }

  private String roomWithEveryone(Rest rest, List<JsonObject> users, String name) throws Exception {
    List<String> others = users.subList(1, users.size()).stream().map(u -> u.getString("username")).toList();
    return await(rest.createConversation(users.get(0).getString("accessToken"),
      new JsonObject().put("type", "room").put("name", name).put("members", new JsonArray(others)))).getString("id");
  }

  private List<ResilientClient> resilientClients(int port, List<JsonObject> users, String room) throws Exception {
    List<ResilientClient> clients = new ArrayList<>();
    for (JsonObject user : users) {
      ResilientClient client = await(ResilientClient.start(vertx, port, user, room));
      resilient.add(client);
      clients.add(client);
    }
    return clients;
  }

  /**
   * Opens a SockJS xhr-polling session through nginx (POST .../xhr, then xhr_send and polls on the same
   * session id), registers {@code user}'s inbox and returns the node id from its "ready".
   */
  private String xhrPollingReady(int nginx, JsonObject user) throws Exception {
    WebClient web = WebClient.create(vertx);
    try {
      String base = String.format("/eventbus/%03d/%s", ThreadLocalRandom.current().nextInt(1000),
        UUID.randomUUID().toString().replace("-", "").substring(0, 12));
      HttpResponse<Buffer> open = await(web.post(nginx, "127.0.0.1", base + "/xhr").timeout(30_000).send());
      assertEquals(200, open.statusCode(), open.bodyAsString());
      assertEquals("o", open.bodyAsString().trim());
      JsonObject register = new JsonObject().put("type", "register").put("address", BridgeClient.inboxOf(user))
        .put("headers", new JsonObject().put("authorization", "Bearer " + user.getString("accessToken")));
      HttpResponse<Buffer> sent = await(web.post(nginx, "127.0.0.1", base + "/xhr_send").putHeader("content-type", "text/plain")
        .timeout(30_000).sendBuffer(Buffer.buffer(new JsonArray().add(register.encode()).encode())));
      assertEquals(204, sent.statusCode(), "xhr_send reached the instance holding the session: " + sent.bodyAsString());
      for (int poll = 0; poll < 5; poll++) {
        HttpResponse<Buffer> answer = await(web.post(nginx, "127.0.0.1", base + "/xhr").timeout(40_000).send());
        assertEquals(200, answer.statusCode(), "poll reached the instance holding the session: " + answer.bodyAsString());
        String text = answer.bodyAsString().trim();
        if (text.startsWith("a")) {
          for (Object item : new JsonArray(text.substring(1))) {
            JsonObject frame = new JsonObject((String) item);
            JsonObject body = frame.getJsonObject("body");
            if (body != null && "ready".equals(body.getString("type"))) {
              return body.getString("node");
            }
            assertFalse("err".equals(frame.getString("type")), frame.encode());
          }
        }
      }
      throw new AssertionError("no ready over xhr-polling");
    } finally {
      web.close();
    }
  }

  private void awaitAll(List<Connected> clients, List<SockJsClient> sessions, String room, int count) throws Exception {
    for (Connected c : clients) {
      await(c.client.awaitMessages(room, count));
    }
    long deadline = System.currentTimeMillis() + 30_000;
    for (SockJsClient s : sessions) {
      while (seqs(s.events, room).size() < count) {
        assertTrue(System.currentTimeMillis() < deadline, "SockJS session got " + seqs(s.events, room) + " of " + count);
        Thread.sleep(20);
      }
    }
  }

  private static List<Long> seqs(List<JsonObject> events, String conversationId) {
    return events.stream()
      .filter(e -> "message".equals(e.getString("type")) && conversationId.equals(e.getString("conversationId")))
      .map(e -> e.getJsonObject("message").getLong("seq")).toList();
  }

  private static Map<Integer, Long> spread(Stream<String> nodes, Map<String, Integer> instanceOf) {
    return nodes.collect(Collectors.groupingBy(node -> instanceOf.getOrDefault(node, -1), TreeMap::new, Collectors.counting()));
  }

  private WaitResult awaitComplete(List<ResilientClient> clients, Set<Long> acked, long timeoutMs) throws InterruptedException {
    long start = System.currentTimeMillis();
    while (true) {
      List<String> missing = new ArrayList<>();
      for (ResilientClient c : clients) {
        Set<Long> lacking = new TreeSet<>(acked);
        lacking.removeAll(c.received().keySet());
        if (!lacking.isEmpty()) {
          missing.add(c.name() + " lacks " + (lacking.size() > 20 ? lacking.size() + " seqs from " + lacking.iterator().next() : lacking));
        }
      }
      long elapsed = System.currentTimeMillis() - start;
      if (missing.isEmpty() || elapsed > timeoutMs) {
        return new WaitResult(missing.isEmpty(), elapsed, missing.toString());
      }
      Thread.sleep(50);
    }
  }

  /** The shared assertions of the load tests; returns the totals for the report line. */
  private Report verify(Rest rest, JsonObject reader, String room, Load load, List<ResilientClient> clients, WaitResult wait)
      throws Exception {
    assertTrue(load.fatal.isEmpty(), "every send was eventually acked: " + load.fatal);
    Map<Long, String> bySeq = new TreeMap<>();
    load.acked.forEach((clientMsgId, seq) -> {
      String before = bySeq.put(seq, clientMsgId);
      assertEquals(null, before, "seq " + seq + " acked for two messages: " + before + " and " + clientMsgId);
    });
    int n = load.acked.size();
    assertEquals(LongStream.rangeClosed(1, n).boxed().toList(), new ArrayList<>(bySeq.keySet()),
      "acked seqs are exactly 1.." + n + " without gaps");

    // The store holds exactly the acked messages (no unacked leftovers, no gaps).
    Map<Long, String> stored = new TreeMap<>();
    long after = 0;
    while (true) {
      JsonObject page = await(rest.history(reader.getString("accessToken"), room, "after=" + after + "&limit=200"));
      for (Object o : page.getJsonArray("messages")) {
        JsonObject m = (JsonObject) o;
        stored.put(m.getLong("seq"), m.getString("clientMsgId"));
        after = m.getLong("seq");
      }
      if (!page.getBoolean("hasMore")) {
        break;
      }
    }
    assertEquals(bySeq, stored, "the store holds exactly the acked messages");

    for (ResilientClient c : clients) {
      Map<Long, String> got = new TreeMap<>();
      c.received().forEach((seq, m) -> got.put(seq, m.getString("clientMsgId")));
      if (!wait.complete) {
        continue; // reported by the caller with the details
      }
      assertEquals(bySeq, got, c.name() + " has exactly the acked messages after dedup: " + c);
    }
    Report report = new Report();
    report.acked = n;
    report.stored = stored.size();
    for (ResilientClient c : clients) {
      report.duplicates += c.duplicates();
      report.liveDuplicates += c.liveDuplicates();
      report.live += c.liveCount();
      report.sync += c.syncCount();
      report.history += c.historyCount();
    }
    return report;
  }

  private JsonObject nodeInfo(String instanceUrl) throws Exception {
    return Cluster.nodeInfo(vertx, instanceUrl);
  }

  /**
   * Per member, the messages stored after its current connection's ready (and after {@code from}) that
   * did not arrive live.
   */
  private static List<String> missedLive(List<ResilientClient> clients, ToLongFunction<ResilientClient> from) {
    List<String> missed = new ArrayList<>();
    for (ResilientClient c : clients) {
      long since = c.readySince() < 0 ? -1 : Math.max(c.readySince(), from.applyAsLong(c));
      if (since < 0) {
        continue;
      }
      Set<Long> live = c.liveSeqs();
      c.received().forEach((seq, message) -> {
        if (message.getLong("createdAt") > since + 50 && !live.contains(seq)) {
          missed.add(c.name() + " seq " + seq + " (" + message.getString("clientMsgId") + ", stored " + (message.getLong("createdAt") - since)
            + " ms after its ready, got it by " + c.firstArrival(seq) + ")");
        }
      });
    }
    return missed;
  }

  /** How many messages were stored more than 1 s after the last member's resync. */
  private static long afterResync(List<ResilientClient> clients) {
    long last = clients.stream().mapToLong(ResilientClient::lastResyncAt).max().orElse(Long.MAX_VALUE - 1000);
    return clients.get(0).received().values().stream().filter(m -> m.getLong("createdAt") > last + 1000).count();
  }

  /** Acked seqs that reached no member as a live event (only through sync or history). */
  private static Set<Long> neverLive(List<ResilientClient> clients, Set<Long> acked) {
    Set<Long> never = new TreeSet<>(acked);
    clients.forEach(c -> never.removeAll(c.liveSeqs()));
    return never;
  }

  private static String minMedianMax(List<Long> sorted) {
    if (sorted.isEmpty()) {
      return "-/-/-";
    }
    return sorted.get(0) + "/" + sorted.get(sorted.size() / 2) + "/" + sorted.get(sorted.size() - 1);
  }

  private static JsonObject message(String conversationId, String clientMsgId, String text) {
    return new JsonObject().put("conversationId", conversationId).put("clientMsgId", clientMsgId).put("text", text);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private record Connected(JsonObject user, BridgeClient client, String node) {
    String name() {
      return user.getString("username");
    }
  }

  private record WaitResult(boolean complete, long millis, String detail) {
  }

  private static final class Report {
    int acked;
    int stored;
    int duplicates;
    int liveDuplicates;
    int live;
    int sync;
    int history;
  }

  /**
   * Senders posting over REST through nginx at a steady pace, each message with a unique clientMsgId.
   * A failed send (5xx, timeout, connection error) is resent with the same clientMsgId until acked, so
   * every message a sender started is acked exactly once; stopping lets each sender finish its current one.
   */
  private final class Load {
    final Map<String, Long> acked = new ConcurrentHashMap<>();
    final Map<String, Long> ackedAt = new ConcurrentHashMap<>();
    /** "phase: reason" → count of failed attempts. */
    final Map<String, Integer> failures = new ConcurrentHashMap<>();
    final List<String> fatal = new CopyOnWriteArrayList<>();
    /** clientMsgId → its failed attempts, for messages that needed a resend. */
    final Map<String, List<String>> failedAttempts = new ConcurrentHashMap<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final List<Thread> threads = new ArrayList<>();
    private final WebClient web = WebClient.create(vertx);
    private final int port;
    private final String room;
    private final List<JsonObject> senders;
    private volatile String phase = "before";

    Load(int port, String room, List<JsonObject> senders) {
      this.port = port;
      this.room = room;
      this.senders = senders;
    }

    void phase(String phase) {
      this.phase = phase;
    }

    void start() {
      for (int s = 0; s < senders.size(); s++) {
        JsonObject sender = senders.get(s);
        String prefix = "s" + s + "-";
        Thread thread = new Thread(() -> run(sender, prefix), "load-" + s);
        thread.setDaemon(true);
        thread.start();
        threads.add(thread);
      }
    }

    private void run(JsonObject sender, String prefix) {
      String token = sender.getString("accessToken");
      try {
        for (int i = 0; running.get(); i++) {
          String clientMsgId = prefix + i;
          if (!sendUntilAcked(token, clientMsgId)) {
            return;
          }
          Thread.sleep(20 + ThreadLocalRandom.current().nextInt(20));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    private boolean sendUntilAcked(String token, String clientMsgId) throws InterruptedException {
      JsonObject body = new JsonObject().put("clientMsgId", clientMsgId).put("text", "load message " + clientMsgId);
      long deadline = System.currentTimeMillis() + 60_000;
      while (true) {
        String failure;
        try {
          HttpResponse<Buffer> response = web.post(port, "127.0.0.1", "/api/conversations/" + room + "/messages")
            .bearerTokenAuthentication(token).timeout(15_000).sendJsonObject(body)
            .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
          if (response.statusCode() == 201) {
            acked.put(clientMsgId, response.bodyAsJsonObject().getLong("seq"));
            ackedAt.put(clientMsgId, System.currentTimeMillis());
            return true;
          }
          JsonObject error = safeJson(response.bodyAsString());
          failure = response.statusCode() + " " + (error == null ? "non-JSON" : error.getJsonObject("error", new JsonObject()).getString("code"));
        } catch (ExecutionException e) {
          failure = e.getCause().getClass().getSimpleName();
        } catch (TimeoutException e) {
          failure = "no answer in 20 s";
        }
        failures.merge(phase + ": " + failure, 1, Integer::sum);
        failedAttempts.computeIfAbsent(clientMsgId, id -> new CopyOnWriteArrayList<>()).add(failure);
        if (System.currentTimeMillis() > deadline) {
          fatal.add(clientMsgId + " not acked within 60 s; last failure " + failure);
          return false;
        }
        Thread.sleep(50);
      }
    }

    void awaitAcked(int count, long timeoutMs) throws InterruptedException {
      long deadline = System.currentTimeMillis() + timeoutMs;
      while (acked.size() < count) {
        assertTrue(System.currentTimeMillis() < deadline, "load started: " + acked.size() + " acked, failures " + failures);
        Thread.sleep(20);
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      for (Thread thread : threads) {
        thread.join(90_000);
        assertFalse(thread.isAlive(), "sender " + thread.getName() + " finished its last message");
      }
      web.close();
    }

    int failuresIn(String phase) {
      return failures.entrySet().stream().filter(e -> e.getKey().startsWith(phase + ":")).mapToInt(Map.Entry::getValue).sum();
    }

    Set<Long> ackedSeqs() {
      return new TreeSet<>(acked.values());
    }
  }

  private static JsonObject safeJson(String text) {
    try {
      return text == null ? null : new JsonObject(text);
    } catch (RuntimeException e) {
      return null;
    }
  }

  // ---- scripts/cluster.sh ------------------------------------------------------------------------

  private record Instance(int index, String url, boolean up, String roles) {
  }

  /** One cluster started by scripts/cluster.sh in its own state directory ($PARLEY_CLUSTER_DIR). */
  private static final class Cluster {
    final Path dir;
    private final Map<String, String> env;
    private boolean started;

    Cluster(Path dir, Map<String, String> env) {
      this.dir = dir;
      this.env = new HashMap<>(env);
      this.env.put("PARLEY_CLUSTER_DIR", dir.toString());
      // Fast but real password hashing: these tests register many users.
      this.env.put("PARLEY_AUTH_KDF_ITERATIONS", String.valueOf(TestNode.TEST_KDF_ITERATIONS));
    }

    /** {@code cluster.sh up n}; returns the nginx port (from the base URL, the last line printed). */
    int up(int n) throws Exception {
      started = true;
      String out = run(240, "up", String.valueOf(n));
      List<String> lines = out.lines().filter(l -> !l.isBlank()).toList();
      String url = lines.get(lines.size() - 1).trim();
      assertTrue(url.matches("http://127\\.0\\.0\\.1:\\d+"), "the last line of 'up' is the nginx base URL: " + out);
      return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
    }

    List<Instance> ps() throws Exception {
      List<Instance> instances = new ArrayList<>();
      for (String line : run(30, "ps").lines().filter(l -> !l.isBlank()).toList()) {
        String[] f = line.trim().split("\\s+");
        instances.add(new Instance(Integer.parseInt(f[0]), f[1], f[2].equals("up"), f.length > 3 ? f[3] : ""));
      }
      return instances;
    }

    void kill(int instance) throws Exception {
      run(30, "kill", String.valueOf(instance));
    }

    void redis(String action) throws Exception {
      run(30, "redis", action);
    }

    void down() throws Exception {
      if (started) {
        started = false;
        run(120, "down");
      }
    }

    String file(String name) throws IOException {
      return Files.readString(dir.resolve(name)).trim();
    }

    /** Each running gateway instance's node id (from /health/detailed) → its 1-based index. */
    Map<String, Integer> instancesByNodeId() throws Exception {
      Map<String, Integer> byNode = new LinkedHashMap<>();
      Vertx vertx = Vertx.vertx();
      try {
        for (Instance instance : ps()) {
          byNode.put(nodeInfo(vertx, instance.url).getString("nodeId"), instance.index);
        }
      } finally {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      }
      return byNode;
    }

    /** The "node" check of an instance's /health/detailed (nodeId, roles, members), whatever the overall status. */
    static JsonObject nodeInfo(Vertx vertx, String instanceUrl) throws Exception {
      int port = Integer.parseInt(instanceUrl.substring(instanceUrl.lastIndexOf(':') + 1));
      WebClient web = WebClient.create(vertx);
      try {
        HttpResponse<Buffer> response = await(web.get(port, "127.0.0.1", "/health/detailed").timeout(10_000).send());
        JsonObject health = response.bodyAsJsonObject();
        for (Object check : health.getJsonArray("checks")) {
          if ("node".equals(((JsonObject) check).getString("id"))) {
            return ((JsonObject) check).getJsonObject("data");
          }
        }
        throw new AssertionError("no node check in " + health.encode());
      } finally {
        web.close();
      }
    }

    private String run(int timeoutSeconds, String... args) throws Exception {
      Files.createDirectories(dir);
      Path out = Files.createTempFile("cluster-sh-", ".out");
      Path err = Files.createTempFile("cluster-sh-", ".err");
      try {
        List<String> command = new ArrayList<>(List.of("bash", ROOT.resolve("scripts/cluster.sh").toString()));
        command.addAll(List.of(args));
        // Output to files, not pipes: the processes the script starts in the background must not hold our pipe.
        ProcessBuilder builder = new ProcessBuilder(command).directory(ROOT.toFile())
          .redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        builder.environment().putAll(env);
        Process process = builder.start();
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          throw new AssertionError("cluster.sh " + String.join(" ", args) + " did not finish within " + timeoutSeconds + " s: "
            + Files.readString(err));
        }
        String stdout = Files.readString(out, StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
          throw new AssertionError("cluster.sh " + String.join(" ", args) + " failed (exit " + process.exitValue() + "): "
            + Files.readString(err) + stdout + logTails());
        }
        return stdout;
      } finally {
        Files.deleteIfExists(out);
        Files.deleteIfExists(err);
      }
    }

    private String logTails() {
      StringBuilder tails = new StringBuilder();
      try (Stream<Path> files = Files.list(dir)) {
        for (Path log : files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList()) {
          List<String> lines = Files.readAllLines(log);
          tails.append("\n--- ").append(log.getFileName()).append(" (last lines) ---\n")
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 8), lines.size())));
        }
      } catch (IOException e) {
        tails.append("\n(no logs: ").append(e).append(")");
      }
      return tails.toString();
    }

    void deleteDir() throws IOException {
      try (Stream<Path> paths = Files.walk(dir)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      } catch (IOException e) {
        // best effort: a leftover temp dir is harmless
      }
    }
  }

  // ---- SockJS websocket transport --------------------------------------------------------------

  /**
   * A client of a real SockJS session URL, {@code /eventbus/<server>/<session>/websocket}: the server
   * opens with "o", sends "h" heartbeats and "a[...]" arrays of JSON-encoded frames; the client writes
   * JSON arrays of frame strings. Only what these tests need: register and collect inbox events.
   */
  private static final class SockJsClient {
    final List<JsonObject> events = new CopyOnWriteArrayList<>();
    final Promise<Void> open = Promise.promise();
    final Promise<JsonObject> ready = Promise.promise();
    final WebSocketClient wsClient;
    WebSocket ws;
    volatile String node;
    volatile String inbox;

    private SockJsClient(WebSocketClient wsClient) {
      this.wsClient = wsClient;
    }

    static Future<SockJsClient> connect(Vertx vertx, int port, String uri) {
      SockJsClient client = new SockJsClient(vertx.createWebSocketClient());
      return client.wsClient.connect(port, "127.0.0.1", uri).compose(ws -> {
        client.ws = ws;
        ws.textMessageHandler(client::onText);
        ws.closeHandler(v -> client.ready.tryFail("closed before ready"));
        return client.open.future();
      }).map(client);
    }

    Future<JsonObject> register(String token, String address) {
      inbox = address;
      JsonObject frame = new JsonObject().put("type", "register").put("address", address)
        .put("headers", new JsonObject().put("authorization", "Bearer " + token));
      ws.writeTextMessage(new JsonArray().add(frame.encode()).encode());
      return ready.future();
    }

    private void onText(String text) {
      if (text.equals("o")) {
        open.tryComplete();
      } else if (text.startsWith("a")) {
        for (Object item : new JsonArray(text.substring(1))) {
          onFrame(new JsonObject((String) item));
        }
      } else if (text.startsWith("c")) {
        ready.tryFail("closed: " + text);
      }
    }

    private void onFrame(JsonObject frame) {
      if (inbox == null || !inbox.equals(frame.getString("address"))) {
        return;
      }
      if ("err".equals(frame.getString("type"))) {
        ready.tryFail(frame.getString("message"));
        return;
      }
      JsonObject body = frame.getJsonObject("body");
      if ("ready".equals(body.getString("type"))) {
        node = body.getString("node");
        ready.tryComplete(body);
      } else {
        events.add(body);
      }
    }

    void close() {
      if (ws != null) {
        ws.close();
      }
      wsClient.close();
    }
  }
}
