package io.parley.store;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.parley.testing.TestFiles;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.util.List;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every query a node makes on the request path is one an index serves on the embedded store (asked with
 * the store's own rule, see IndexAudit): a workload touching every REST route and bridge address (every
 * registration joining the general room), then the node's unindexed-query counter must be empty (a sort
 * the index's order does not give counts too). A planted scan shows the counter does see scans.
 */
class IndexedQueriesTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().withMetrics()
    .with(new JsonObject().put("tenants", new JsonObject().put("general_room", "general")));

  @Test
  void every_request_path_query_is_served_by_an_index() throws Exception {
    Rest rest = node.rest();
    JsonObject alice = await(rest.user("acme", "alice"));
    JsonObject bob = await(rest.user("acme", "bob"));
    await(rest.user("acme", "carol"));
    await(rest.user("globex", "eve"));
    String a = alice.getString("accessToken");
    String b = bob.getString("accessToken");

    String room = await(rest.createConversation(a, new JsonObject().put("type", "room").put("name", "general"))).getString("id");
    String group = await(rest.createConversation(a, new JsonObject().put("type", "group").put("members", new JsonArray().add("bob")))).getString("id");
    String dm = await(rest.createConversation(b, new JsonObject().put("type", "dm").put("members", new JsonArray().add("alice")))).getString("id");
    await(rest.expect(200, "/conversations/" + room + "/join", b, new JsonObject()));
    await(rest.expect(200, "/conversations/" + group + "/invite", a, new JsonObject().put("members", new JsonArray().add("carol"))));
    for (int i = 1; i <= 60; i++) {
      await(rest.send(i % 2 == 0 ? a : b, room, "m-" + i, "message " + i));
    }
    await(rest.send(a, room, "m-2", "message 2"));
    await(rest.send(a, dm, "d-1", "hi"));
    for (String query : List.of("", "after=10&limit=5", "before=30&limit=5")) {
      await(rest.history(b, room, query));
    }
    // The directory: prefix searches (by username and display name), lookups by ids, the profile and its changes.
    await(rest.call(HttpMethod.PUT, "/me", a, new JsonObject().put("displayName", "Alice Liddell")).compose(response -> Rest.check(response, 200)));
    await(rest.call(HttpMethod.PUT, "/me", b, new JsonObject().put("displayName", "")).compose(response -> Rest.check(response, 200)));
    await(rest.expectGet(200, "/me", a));
    for (String query : List.of("q=al", "q=ALICE%20L&limit=5", "q=zz", "ids=" + alice.getString("userId") + "," + bob.getString("userId") + ",nobody")) {
      await(rest.expectGet(200, "/users?" + query, b));
    }
    await(rest.expectGet(200, "/conversations", a));
    await(rest.expectGet(200, "/conversations?scope=public", b));
    await(rest.expectGet(200, "/conversations/" + room, b));
    await(rest.expectGet(200, "/conversations/" + room + "/members", b));
    await(rest.expect(200, "/conversations/" + room + "/read", b, new JsonObject().put("seq", 40)));
    await(rest.call(HttpMethod.PUT, "/conversations/" + room + "/mute", b, new JsonObject().put("muted", true))
      .compose(response -> Rest.check(response, 200)));
    await(rest.expect(200, "/sync", b, new JsonObject().put("positions", new JsonObject().put(room, 50))));
    await(rest.call(HttpMethod.PUT, "/messages/" + room + ":2", a, new JsonObject().put("text", "edited").put("clientChangeId", "e-1"))
      .compose(response -> Rest.check(response, 200)));
    await(rest.call(HttpMethod.PUT, "/messages/" + room + ":2", a, new JsonObject().put("text", "edited").put("clientChangeId", "e-1"))
      .compose(response -> Rest.check(response, 200)));
    await(rest.call(HttpMethod.PUT, "/messages/" + room + ":4", a, new JsonObject().put("text", "edited again"))
      .compose(response -> Rest.check(response, 200)));
    await(rest.call(HttpMethod.DELETE, "/messages/" + room + ":2?clientChangeId=d-1", a, null).compose(response -> Rest.check(response, 200)));
    await(rest.expect(200, "/sync", b, new JsonObject().put("positions", new JsonObject()
      .put(room, new JsonObject().put("seq", 50).put("changeSeq", 1)))));
    // Reactions (added, again, taken off), replies (and a resend), thread pages, mentions (by name and @all).
    for (int i = 0; i < 2; i++) {
      await(rest.expect(200, "/messages/" + room + ":6/reactions", b, new JsonObject().put("emoji", ":tada:")));
    }
    await(rest.call(HttpMethod.DELETE, "/messages/" + room + ":6/reactions/:tada:", b, null).compose(response -> Rest.check(response, 200)));
    for (int i = 0; i < 2; i++) {
      await(rest.expect(201, "/conversations/" + room + "/messages", a, new JsonObject().put("clientMsgId", "r-1")
        .put("text", "a reply, @bob").put("threadOf", room + ":6")));
    }
    await(rest.expect(201, "/conversations/" + room + "/messages", b, new JsonObject().put("clientMsgId", "r-2")
      .put("text", "@all another").put("threadOf", room + ":6")));
    for (String query : List.of("", "?after=0&limit=5", "?before=2&limit=5")) {
      await(rest.expectGet(200, "/messages/" + room + ":6/thread" + query, b));
    }
    await(rest.expectGet(200, "/conversations", b));
    await(rest.expect(204, "/conversations/" + group + "/leave", b, new JsonObject()));
    JsonObject refreshed = await(rest.expect(200, "/auth/refresh", null, new JsonObject().put("refreshToken", alice.getString("refreshToken"))));
    await(rest.post("/auth/refresh", null, new JsonObject().put("refreshToken", alice.getString("refreshToken"))));
    await(rest.expect(204, "/auth/logout", null, new JsonObject().put("refreshToken", refreshed.getString("refreshToken"))));

    BridgeClient online = await(node.online(bob));
    await(online.send(room, "bridge-1", "over the bridge"));
    await(online.request("parley.delivery.sync", new JsonObject()));
    await(online.request("parley.delivery.edit", new JsonObject().put("messageId", room + ":1").put("text", "bob's edit")));
    await(online.request("parley.delivery.delete", new JsonObject().put("messageId", room + ":1")));
    await(online.request("parley.delivery.react", new JsonObject().put("messageId", room + ":8").put("emoji", "\uD83D\uDC4D")));
    // Receipts: a message handed live to bob's connection is reported delivered (then counted).
    BridgeClient aliceOnline = await(node.online(alice));
    await(rest.send(a, room, "m-receipts", "delivered to bob"));
    await(aliceOnline.awaitEvent("delivered", room));
    await(rest.expectGet(200, "/messages/" + room + ":40/receipts", a));
    await(online.request("parley.rooms.receipts", new JsonObject().put("messageId", room + ":40")));
    await(online.request("parley.rooms.mute", new JsonObject().put("conversationId", room).put("muted", false)));

    // Attachments: uploads (an image with its preview, a file over several chunks), a message carrying
    // them (and its resend), downloads whole and in part, the preview, a refused claim, the message deleted.
    TestFiles files = new TestFiles(Files.createTempDirectory("parley-indexed-"));
    String image = await(rest.uploaded(a, room, files.png("p.png", 400, 300), "p.png")).getString("attachmentId");
    String text = await(rest.uploaded(a, room, files.largeText("t.txt", 2_500_000), "t.txt")).getString("attachmentId");
    JsonObject withFiles = null;
    for (int i = 0; i < 2; i++) {
      withFiles = await(rest.sendWith(a, room, "files-1", "files", List.of(image, text)));
    }
    await(rest.post("/conversations/" + room + "/messages", a, new JsonObject().put("clientMsgId", "files-2").put("text", "again")
      .put("attachments", new JsonArray().add(image))));
    await(rest.get("/attachments/" + text, b));
    await(rest.call(HttpMethod.GET, "/attachments/" + text, b, null, MultiMap.caseInsensitiveMultiMap().add("Range", "bytes=2000000-2000100")));
    await(rest.get("/attachments/" + image + "/thumbnail", b));
    await(rest.call(HttpMethod.DELETE, "/messages/" + withFiles.getString("id"), a, null).compose(response -> Rest.check(response, 200)));
    await(rest.get("/attachments/" + image, b));

    assertEquals(List.of(), unindexed(), "queries that scan a collection");

    MongoClient direct = MongoClient.create(node.vertx(), new JsonObject()
      .put("connection_string", node.mongoConnectionString()).put("db_name", "parley"));
    try {
      await(direct.find("memberships", new JsonObject().put("tenant", "acme").put("userId", bob.getString("userId"))));
    } finally {
      await(direct.close());
    }
    List<String> planted = unindexed();
    assertTrue(planted.size() == 1 && planted.get(0).contains("memberships by [tenant, userId]"), "the audit sees a scan: " + planted);
  }

  private List<String> unindexed() throws Exception {
    WebClient web = WebClient.create(node.vertx());
    try {
      String metrics = await(web.get(node.port(), "127.0.0.1", "/metrics").send()).bodyAsString();
      return metrics.lines().filter(line -> line.startsWith("parley_store_unindexed_queries_total")).toList();
    } finally {
      web.close();
    }
  }
}
