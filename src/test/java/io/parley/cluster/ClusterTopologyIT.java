package io.parley.cluster;

import io.parley.testing.BridgeClient;
import io.parley.testing.Clients;
import io.parley.testing.ClusterExtension;
import io.parley.testing.Rest;
import io.parley.testing.ScriptCluster;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Parley as operators run it: several real instances (own JVMs, Hazelcast-clustered over loopback)
 * behind a real nginx, with a real redis-server and one shared store, all started by
 * {@code scripts/cluster.sh} ({@link ClusterExtension}). Clients connect only through nginx. Covers
 * spreading clients over the instances on every SockJS transport, cross-instance delivery, split
 * concerns (a gateway-only node), and two separate clusters that share Redis, the store and the token
 * secret. Failures under load: ClusterFailoverIT.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterTopologyIT {

  private static final String TENANT = "clustered";

  @RegisterExtension
  final ClusterExtension clusters = new ClusterExtension();

  private Clients clients() {
    return clusters.clients();
  }

  @Test
  void three_instances_behind_nginx() throws Exception {
    ScriptCluster cluster = clusters.create();
    int nginx = cluster.up(3);
    Map<String, Integer> instanceOf = cluster.instancesByNodeId();
    assertEquals(3, instanceOf.size(), "three instances with distinct node ids: " + instanceOf);

    Rest rest = clients().rest(nginx);
    List<JsonObject> users = await(rest.numberedUsers(TENANT, "u", 12));
    String room = await(rest.roomWithEveryone(users, "everyone"));

    // Twelve clients on the raw WebSocket endpoint: nginx spreads sessionless requests over the instances.
    List<Connected> clients = new ArrayList<>();
    for (JsonObject user : users) {
      BridgeClient client = await(clients().bridge(nginx));
      JsonObject ready = await(client.register(user));
      clients.add(new Connected(user, client, ready.getString("node")));
    }
    // Six more: real SockJS session URLs (/eventbus/<server>/<session>/websocket), hashed on the session id.
    List<Connected> sessions = new ArrayList<>();
    for (JsonObject user : users.subList(0, 6)) {
      BridgeClient client = await(clients().session(nginx));
      sessions.add(new Connected(user, client, await(client.register(user)).getString("node")));
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
    JsonObject first = await(x.client.send(room, "x-1", "from instance " + instanceOf.get(x.node)));
    awaitAll(clients, sessions, room, 1);
    JsonObject second = await(y.client.send(room, "y-1", "from instance " + instanceOf.get(y.node)));
    awaitAll(clients, sessions, room, 2);
    List<Long> expected = List.of(first.getLong("seq"), second.getLong("seq"));
    assertEquals(List.of(1L, 2L), expected);
    for (Connected c : clients) {
      assertEquals(expected, c.client.seqs(room), c.name() + " on instance " + instanceOf.get(c.node) + " got each message exactly once");
    }
    for (Connected s : sessions) {
      assertEquals(expected, s.client.seqs(room), "SockJS session on instance " + instanceOf.get(s.node) + " got each message exactly once");
    }

    // A DM between two users on different instances crosses both ways.
    Connected a = clients.get(1);
    Connected b = clients.stream().filter(c -> c != a && !c.node.equals(a.node)).findFirst().orElseThrow();
    String dm = await(rest.createConversation(a.user.getString("accessToken"),
      new JsonObject().put("type", "dm").put("members", new JsonArray().add(b.name())))).getString("id");
    for (Connected c : List.of(a, b)) {
      await(c.client.awaitEvent("conversation.added", dm));
    }
    await(a.client.send(dm, "a-1", "hi from instance " + instanceOf.get(a.node)));
    await(b.client.send(dm, "b-1", "hi from instance " + instanceOf.get(b.node)));
    for (Connected c : List.of(a, b)) {
      List<JsonObject> got = await(c.client.awaitMessages(dm, 2));
      assertEquals(List.of("hi from instance " + instanceOf.get(a.node), "hi from instance " + instanceOf.get(b.node)),
        got.stream().map(e -> e.getJsonObject("message").getString("text")).toList(), c.name());
    }
    // The DM stayed between the two: a third user's connection saw none of it.
    Connected third = clients.stream().filter(c -> c != a && c != b).findFirst().orElseThrow();
    assertTrue(third.client.events().stream().noneMatch(e -> dm.equals(e.getString("conversationId"))));
    for (Connected c : List.of(a, b)) {
      assertEquals(List.of(1L, 2L), c.client.seqs(dm), c.name() + " got each DM message exactly once");
    }
  }

  @Test
  void split_roles() throws Exception {
    ScriptCluster cluster = clusters.create(Map.of("CLUSTER_ROLES_1", "gateway", "CLUSTER_ROLES_2", "auth,rooms,attachments,delivery"));
    int nginx = cluster.up(2);
    List<ScriptCluster.Instance> instances = cluster.ps();
    assertEquals("gateway", instances.get(0).roles());
    assertEquals("auth,rooms,attachments,delivery", instances.get(1).roles());
    JsonObject node1 = cluster.nodeInfo(instances.get(0).url());
    assertEquals(new JsonArray().add("gateway"), node1.getJsonArray("roles"), node1.encode());
    assertEquals(2, node1.getJsonArray("members").size(), "the gateway-only node sees both members: " + node1.encode());

    Rest rest = clients().rest(nginx);
    // register and login (auth on instance 2), a room (rooms on instance 2), chat (delivery on instance 2).
    JsonObject alice = await(rest.user(TENANT, "alice"));
    JsonObject bob = await(rest.user(TENANT, "bob"));
    String room = await(rest.createConversation(alice.getString("accessToken"),
      new JsonObject().put("type", "room").put("name", "split").put("members", new JsonArray().add("bob")))).getString("id");
    BridgeClient aliceClient = await(clients().bridge(nginx));
    BridgeClient bobClient = await(clients().bridge(nginx));
    JsonObject aliceReady = await(aliceClient.register(alice));
    JsonObject bobReady = await(bobClient.register(bob));
    for (JsonObject ready : List.of(aliceReady, bobReady)) {
      assertEquals(node1.getString("nodeId"), ready.getString("node"), "served by the gateway-only node");
      assertEquals(room, ready.getJsonArray("conversations").getJsonObject(0).getString("id"));
    }
    await(aliceClient.send(room, "a-1", "hello bob"));
    await(bobClient.send(room, "b-1", "hello alice"));
    await(rest.send(alice.getString("accessToken"), room, "a-2", "over REST"));
    for (BridgeClient client : List.of(aliceClient, bobClient)) {
      List<JsonObject> got = await(client.awaitMessages(room, 3));
      assertEquals(List.of("hello bob", "hello alice", "over REST"),
        got.stream().map(e -> e.getJsonObject("message").getString("text")).toList());
    }
    JsonObject history = await(rest.history(bob.getString("accessToken"), room, "after=0"));
    assertEquals(3, history.getJsonArray("messages").size());

    // An attachment: stored by the gateway-only node (bytes stay in its process), claimed by the message
    // on instance 2 (attachments over the bus), read back by bob through the gateway.
    Path file = Files.writeString(Files.createTempFile("parley-split-", ".txt"), "a file across split roles");
    try {
      String id = await(rest.uploaded(alice.getString("accessToken"), room, file, "split.txt")).getString("attachmentId");
      JsonObject sent = await(rest.sendWith(alice.getString("accessToken"), room, "a-3", "", List.of(id)));
      assertEquals(id, sent.getJsonArray("attachments").getJsonObject(0).getString("attachmentId"));
      assertEquals("a file across split roles", await(rest.get("/attachments/" + id, bob.getString("accessToken"))).bodyAsString());
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void two_separate_clusters_share_redis() throws Exception {
    ScriptCluster x = clusters.create();
    int nginxX = x.up(1);
    ScriptCluster y = clusters.create(Map.of(
      "PARLEY_REDIS_CONNECTION_STRING", x.file("redis.url"),
      "PARLEY_MONGO_CONNECTION_STRING", x.file("mongo.url"),
      "PARLEY_AUTH_JWT_SECRET", x.file("jwt-secret")));
    int nginxY = y.up(1);

    JsonObject nodeX = x.nodeInfo(x.ps().get(0).url());
    JsonObject nodeY = y.nodeInfo(y.ps().get(0).url());
    assertEquals(new JsonArray().add(nodeX.getString("nodeId")), nodeX.getJsonArray("members"), "X is a cluster of one: " + nodeX);
    assertEquals(new JsonArray().add(nodeY.getString("nodeId")), nodeY.getJsonArray("members"), "Y is a cluster of one: " + nodeY);

    Rest restX = clients().rest(nginxX);
    Rest restY = clients().rest(nginxY);
    JsonObject alice = await(restX.user(TENANT, "alice"));
    JsonObject bob = await(restY.user(TENANT, "bob"));
    BridgeClient aliceOnX = await(clients().bridge(nginxX));
    BridgeClient bobOnY = await(clients().bridge(nginxY));
    assertEquals(nodeX.getString("nodeId"), await(aliceOnX.register(alice)).getString("node"));
    assertEquals(nodeY.getString("nodeId"), await(bobOnY.register(bob)).getString("node"));

    JsonObject dm = await(aliceOnX.request("parley.rooms.create", new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob"))));
    String id = dm.getString("id");
    await(bobOnY.awaitEvent("conversation.added", id));
    await(aliceOnX.send(id, "a-1", "from cluster X"));
    await(bobOnY.send(id, "b-1", "from cluster Y"));
    for (BridgeClient client : List.of(aliceOnX, bobOnY)) {
      List<JsonObject> got = await(client.awaitMessages(id, 2));
      assertEquals(List.of("from cluster X", "from cluster Y"), got.stream().map(e -> e.getJsonObject("message").getString("text")).toList());
    }
    // A token issued by X is accepted by Y: they share the secret.
    await(restY.expectGet(200, "/me", alice.getString("accessToken")));
    // Tear down Y first, then X (whose Redis and store Y used); tearDown does the same for failures.
    y.down();
    x.down();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /**
   * Opens a SockJS xhr-polling session through nginx (POST .../xhr, then xhr_send and polls on the same
   * session id), registers {@code user}'s inbox and returns the node id from its "ready".
   */
  private String xhrPollingReady(int nginx, JsonObject user) throws Exception {
    WebClient web = clients().web();
    String base = BridgeClient.sessionPath();
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
      for (JsonObject frame : BridgeClient.sockJsFrames(text)) {
        JsonObject body = frame.getJsonObject("body");
        if (body != null && "ready".equals(body.getString("type"))) {
          return body.getString("node");
        }
        assertFalse("err".equals(frame.getString("type")), frame.encode());
      }
    }
    throw new AssertionError("no ready over xhr-polling");
  }

  private void awaitAll(List<Connected> clients, List<Connected> sessions, String room, int count) throws Exception {
    for (Connected c : clients) {
      await(c.client.awaitMessages(room, count));
    }
    for (Connected s : sessions) {
      await(s.client.awaitMessages(room, count), 30);
    }
  }

  private static Map<Integer, Long> spread(Stream<String> nodes, Map<String, Integer> instanceOf) {
    return nodes.collect(Collectors.groupingBy(node -> instanceOf.getOrDefault(node, -1), TreeMap::new, Collectors.counting()));
  }

  private record Connected(JsonObject user, BridgeClient client, String node) {
    String name() {
      return user.getString("username");
    }
  }
}
