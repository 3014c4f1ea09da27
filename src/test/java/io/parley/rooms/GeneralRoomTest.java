package io.parley.rooms;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static io.parley.rooms.TenantWorld.ids;
import static io.parley.rooms.TenantWorld.userIds;
import static io.parley.testing.ApiAssertions.assertBridgeError;
import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * {@code tenants.general_room} over REST and the bridge: a tenant's first user creates its general room
 * and every later one joins it on registering — one room even when a new tenant's first users register
 * at the same moment on two nodes sharing one store; other tenants never see it; "" makes none.
 * Each test has tenants of its own, so the nodes are shared by the class.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GeneralRoomTest {

  private static final String SECRET = "a-test-signing-secret-shared-by-both-nodes";

  @RegisterExtension
  @Order(1)
  static final ParleyNodeExtension nodeA = ParleyNodeExtension.inProcess().with(general());

  @RegisterExtension
  @Order(2)
  static final ParleyNodeExtension nodeB = ParleyNodeExtension.inProcess().with(() -> general()
    .put("mongo", new JsonObject().put("connection_string", nodeA.mongoConnectionString())));

  @RegisterExtension
  @Order(3)
  static final ParleyNodeExtension withoutGeneralRoom = ParleyNodeExtension.inProcess()
    .with(new JsonObject().put("tenants", new JsonObject().put("general_room", "")));

  private static JsonObject general() {
    return new JsonObject()
      .put("tenants", new JsonObject().put("general_room", "general"))
      .put("auth", new JsonObject().put("jwt_secret", SECRET));
  }

  @Test
  void the_first_user_creates_the_general_room_and_every_later_one_joins_it_on_registering() throws Exception {
    Rest rest = nodeA.rest();
    JsonObject alice = await(rest.user("firstco", "alice"));
    JsonObject room = only(conversations(rest, alice));
    String id = room.getString("id");
    assertEquals("general", room.getString("name"));
    assertEquals("room", room.getString("type"));
    assertEquals("public", room.getString("visibility"));
    assertEquals("owner", room.getString("role"));
    assertEquals(alice.getString("userId"), room.getString("createdBy"));
    assertFalse(room.getBoolean("muted"));

    // Members hear of each newcomer live; a newcomer starts at the head: the backlog is not unread.
    BridgeClient aliceOnline = await(nodeA.online(alice));
    await(rest.send(alice.getString("accessToken"), id, "a-1", "welcome, everyone"));
    JsonObject bob = await(rest.user("firstco", "bob"));
    JsonObject joined = await(aliceOnline.awaitEvents(e -> "member.joined".equals(e.getString("type"))
      && bob.getString("userId").equals(e.getString("userId")), 1)).get(0);
    assertEquals(id, joined.getString("conversationId"));
    JsonObject bobs = only(conversations(rest, bob));
    assertEquals(id, bobs.getString("id"));
    assertEquals("member", bobs.getString("role"));
    assertEquals(1L, bobs.getLong("readSeq"));
    assertEquals(0L, bobs.getLong("unread"));
    JsonArray members = await(rest.expectGet(200, "/conversations/" + id + "/members", bob.getString("accessToken"))).getJsonArray("members");
    assertEquals(Set.of(alice.getString("userId"), bob.getString("userId")), userIds(members));

    // Any public room may be left; the next login does not put its leaver back, who may join again.
    await(rest.expect(204, "/conversations/" + id + "/leave", bob.getString("accessToken"), new JsonObject()));
    JsonObject again = await(rest.expect(200, "/auth/login", null, credentials("firstco", "bob")));
    assertEquals(List.of(), conversations(rest, again).getList());
    await(rest.expect(200, "/conversations/" + id + "/join", again.getString("accessToken"), new JsonObject()));
    assertEquals(id, only(conversations(rest, again)).getString("id"));
  }

  @Test
  void a_new_tenants_first_users_registering_at_once_on_two_nodes_get_one_general_room() throws Exception {
    List<String> tenants = List.of("race-0", "race-1", "race-2", "race-3");
    List<Future<JsonObject>> registrations = new ArrayList<>();
    for (String tenant : tenants) {
      registrations.add(nodeA.rest().expect(201, "/auth/register", null, credentials(tenant, "ann")));
      registrations.add(nodeB.rest().expect(201, "/auth/register", null, credentials(tenant, "ben")));
    }
    await(Future.all(registrations));

    for (String tenant : tenants) {
      Map<String, JsonObject> both = Map.of(
        "ann", await(nodeA.rest().expect(200, "/auth/login", null, credentials(tenant, "ann"))),
        "ben", await(nodeB.rest().expect(200, "/auth/login", null, credentials(tenant, "ben"))));
      String annsRoom = only(conversations(nodeA.rest(), both.get("ann"))).getString("id");
      String bensRoom = only(conversations(nodeB.rest(), both.get("ben"))).getString("id");
      assertEquals(annsRoom, bensRoom, tenant + ": one general room for both");
      JsonObject room = await(nodeA.rest().expectGet(200, "/conversations/" + annsRoom, both.get("ann").getString("accessToken")));
      JsonArray members = await(nodeA.rest().expectGet(200, "/conversations/" + annsRoom + "/members",
        both.get("ann").getString("accessToken"))).getJsonArray("members");
      assertEquals(Set.of(both.get("ann").getString("userId"), both.get("ben").getString("userId")), userIds(members), tenant);
      List<String> owners = members.stream().map(JsonObject.class::cast).filter(m -> "owner".equals(m.getString("role")))
        .map(m -> m.getString("userId")).toList();
      assertEquals(List.of(room.getString("createdBy")), owners, tenant + ": its creator, and only they, own it");
      JsonObject listed = await(nodeB.rest().expectGet(200, "/conversations?scope=public", both.get("ben").getString("accessToken")));
      assertEquals(Set.of(annsRoom), ids(listed.getJsonArray("conversations")), tenant + ": the one public room");
    }
  }

  @Test
  void a_tenants_general_room_is_not_seen_or_touched_from_another_tenant() throws Exception {
    Rest rest = nodeA.rest();
    JsonObject acme = await(rest.user("acme-g", "alice"));
    JsonObject globex = await(rest.user("globex-g", "gina"));
    String acmeRoom = only(conversations(rest, acme)).getString("id");
    String globexRoom = only(conversations(rest, globex)).getString("id");
    assertNotEquals(acmeRoom, globexRoom);
    JsonObject listed = await(rest.expectGet(200, "/conversations?scope=public", globex.getString("accessToken")));
    assertEquals(Set.of(globexRoom), ids(listed.getJsonArray("conversations")));

    String token = globex.getString("accessToken");
    String base = "/conversations/" + acmeRoom;
    assertError(await(rest.get(base, token)), 404, "CONVERSATION_NOT_FOUND");
    assertError(await(rest.get(base + "/members", token)), 404, "CONVERSATION_NOT_FOUND");
    assertError(await(rest.post(base + "/join", token, new JsonObject())), 404, "CONVERSATION_NOT_FOUND");
    assertError(await(rest.call(HttpMethod.PUT, base + "/mute", token, new JsonObject().put("muted", true))), 404, "CONVERSATION_NOT_FOUND");
    assertError(await(rest.post(base + "/messages", token, new JsonObject().put("clientMsgId", "g-1").put("text", "hi"))),
      404, "CONVERSATION_NOT_FOUND");
    BridgeClient gina = await(nodeA.online(globex));
    assertBridgeError(assertThrows(Exception.class, () -> await(gina.request("parley.rooms.join",
      new JsonObject().put("conversationId", acmeRoom)))), 300, "CONVERSATION_NOT_FOUND");
    JsonArray members = await(rest.expectGet(200, base + "/members", acme.getString("accessToken"))).getJsonArray("members");
    assertEquals(Set.of(acme.getString("userId")), userIds(members), "nobody from globex got in");
  }

  @Test
  void with_general_room_empty_a_new_tenants_users_are_in_no_conversation() throws Exception {
    Rest rest = withoutGeneralRoom.rest();
    for (JsonObject user : List.of(await(rest.user("quietco", "alice")), await(rest.user("quietco", "bob")))) {
      assertEquals(List.of(), conversations(rest, user).getList());
      assertEquals(List.of(), await(rest.expectGet(200, "/conversations?scope=public", user.getString("accessToken")))
        .getJsonArray("conversations").getList());
    }
  }

  private static JsonObject credentials(String tenant, String username) {
    return new JsonObject().put("tenant", tenant).put("username", username).put("password", Rest.PASSWORD);
  }

  private static JsonArray conversations(Rest rest, JsonObject session) throws Exception {
    return await(rest.expectGet(200, "/conversations", session.getString("accessToken"))).getJsonArray("conversations");
  }

  private static JsonObject only(JsonArray conversations) {
    assertEquals(1, conversations.size(), "exactly one conversation: " + conversations);
    return conversations.getJsonObject(0);
  }
}
