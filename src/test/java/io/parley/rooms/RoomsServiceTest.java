package io.parley.rooms;

import io.parley.auth.AuthVerticle;
import io.parley.auth.api.Account;
import io.parley.auth.api.AuthAddresses;
import io.parley.auth.api.AuthClient;
import io.parley.auth.api.Registration;
import io.parley.common.BusRequests;
import io.parley.common.Caller;
import io.parley.config.ConfigLoader;
import io.parley.fanout.InProcessFanout;
import io.parley.rooms.api.CreateConversation;
import io.parley.rooms.api.ReceiptSettings;
import io.parley.rooms.api.MuteConversation;
import io.parley.rooms.api.RoomsError;
import io.parley.rooms.api.RoomsLimits;
import io.parley.testing.EmbeddedStore;
import io.parley.testing.MutableClock;
import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;

import static io.parley.testing.ApiAssertions.assertFailsWith;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The membership rules — who may see, join, read and leave what — on a real embedded store, with the
 * real auth concern deployed beside it to resolve usernames; the rooms service itself runs without a bus.
 */
class RoomsServiceTest {

  @RegisterExtension
  final EmbeddedStore store = new EmbeddedStore();

  private final MutableClock clock = MutableClock.now();
  private RoomsService rooms;
  private Caller alice;
  private Caller bob;
  private Caller carol;
  private Caller eve;

  @BeforeEach
  void service() throws Exception {
    JsonObject overrides = new JsonObject()
      .put("mongo", new JsonObject().put("connection_string", store.connectionString()))
      .put("auth", new JsonObject().put("jwt_secret", "s".repeat(48)).put("kdf_iterations", ParleyNodeExtension.TEST_KDF_ITERATIONS));
    JsonObject config = await(ConfigLoader.load(store.vertx(), null, overrides)).json();
    await(store.vertx().deployVerticle(AuthVerticle::new, new DeploymentOptions().setConfig(config)));
    alice = register("acme", "alice");
    bob = register("acme", "bob");
    carol = register("acme", "carol");
    eve = register("globex", "eve");
    rooms = service(new GeneralRoom("general"));
    await(rooms.ensureIndexes());
  }

  private RoomsService service(GeneralRoom general) {
    return new RoomsService(new ConversationStore(store.mongo()), new MembershipStore(store.mongo(), clock),
      new RoomEvents(new InProcessFanout(store.vertx())), new AuthClient(BusRequests.of(store.vertx()))::resolveUsers,
      new RoomsLimits(200, 16, 200, 3), ReceiptSettings.of(true, List.of()), general, clock);
  }

  @Test
  void a_private_room_is_invisible_to_everyone_but_its_members() throws Exception {
    String id = create(alice, room("private", "bob"));
    assertEquals(id, await(rooms.get(bob, id)).getString("id"));
    for (Caller outsider : List.of(carol, eve)) {
      assertFailsWith(RoomsError.CONVERSATION_NOT_FOUND, () -> rooms.get(outsider, id));
      assertFailsWith(RoomsError.CONVERSATION_NOT_FOUND, () -> rooms.members(outsider, id));
      assertFailsWith(RoomsError.CONVERSATION_NOT_FOUND, () -> rooms.join(outsider, id));
      assertFailsWith(RoomsError.CONVERSATION_NOT_FOUND, () -> rooms.membership(outsider, id));
    }
  }

  @Test
  void a_public_room_is_seen_by_the_tenant_but_read_and_written_by_members_only() throws Exception {
    String id = create(alice, room("public"));
    assertEquals(id, await(rooms.get(carol, id)).getString("id"));
    assertFailsWith(RoomsError.NOT_A_MEMBER, () -> rooms.membership(carol, id));
    assertFailsWith(RoomsError.NOT_A_MEMBER, () -> rooms.read(carol, id, 1));
    assertFailsWith(RoomsError.CONVERSATION_NOT_FOUND, () -> rooms.get(eve, id));
    assertEquals("member", await(rooms.join(carol, id)).getString("role"));
    assertEquals("member", await(rooms.membership(carol, id)).role());
  }

  @Test
  void joiners_start_at_the_head_and_a_senders_read_position_follows_their_messages() throws Exception {
    String id = create(alice, room("public"));
    await(rooms.appended(alice, id, 1));
    await(rooms.appended(alice, id, 2));
    assertEquals(2L, await(rooms.membership(alice, id)).readSeq());

    JsonObject joined = await(rooms.join(bob, id));
    assertEquals(2L, joined.getLong("readSeq"), "the backlog before joining is history, not unread");
    assertEquals(0L, joined.getLong("unread"));

    await(rooms.appended(alice, id, 3));
    assertEquals(3L, await(rooms.read(bob, id, 99)).getLong("readSeq"), "clamped to the head");
    assertEquals(3L, await(rooms.read(bob, id, 1)).getLong("readSeq"), "never moves back");
  }

  @Test
  void nobody_is_added_to_more_conversations_than_a_user_may_be_in() throws Exception {
    // At most 3 per user here (RoomsLimits above).
    String first = create(alice, room("public"));
    create(alice, room("private", "bob"));
    create(alice, room("private"));
    String detail = assertFailsWith(RoomsError.TOO_MANY_CONVERSATIONS, () -> rooms.create(alice, room("private")));
    assertTrue(detail.startsWith("alice already in 3 conversations"), detail);

    // Nobody else can put her in a fourth either: an invite, a group naming her, a dm.
    String bobs = create(bob, room("public"));
    assertFailsWith(RoomsError.TOO_MANY_CONVERSATIONS, () -> rooms.invite(bob, bobs, List.of("alice")));
    assertFailsWith(RoomsError.TOO_MANY_CONVERSATIONS, () -> rooms.create(bob, room("private", "alice", "carol")));
    assertFailsWith(RoomsError.TOO_MANY_CONVERSATIONS, () -> rooms.create(bob, dm("alice")));
    assertFailsWith(RoomsError.TOO_MANY_CONVERSATIONS, () -> rooms.join(alice, bobs));
    assertEquals(List.of(bob.userId()), await(rooms.members(bob, bobs)).getJsonArray("members").stream()
      .map(m -> ((JsonObject) m).getString("userId")).toList(), "a refused request added nobody");

    // What she is in stays hers; leaving one makes room.
    assertEquals(first, await(rooms.join(alice, first)).getString("id"));
    await(rooms.leave(alice, first));
    assertEquals("member", await(rooms.join(alice, bobs)).getString("role"));
    assertEquals(3, await(rooms.list(alice)).getJsonArray("conversations").size());
  }

  @Test
  void a_pair_has_one_dm_which_can_be_neither_left_nor_grown() throws Exception {
    Future<JsonObject> fromAlice = rooms.create(alice, dm("bob"));
    Future<JsonObject> fromBob = rooms.create(bob, dm("alice"));
    String id = await(fromAlice).getString("id");
    assertEquals(id, await(fromBob).getString("id"), "both sides racing get the same dm");
    assertFailsWith(RoomsError.CANNOT_LEAVE_DM, () -> rooms.leave(alice, id));
    assertFailsWith(RoomsError.CANNOT_INVITE_TO_DM, () -> rooms.invite(alice, id, List.of("carol")));
    assertEquals(id, await(rooms.join(bob, id)).getString("id"), "joining a conversation one is in answers it");
  }

  @Test
  void members_are_named_within_the_tenant() throws Exception {
    assertFailsWith(RoomsError.UNKNOWN_USERS, () -> rooms.create(alice, room("private", "eve")));
    String id = create(alice, group("bob"));
    assertEquals(List.of(carol.userId()), await(rooms.invite(bob, id, List.of("Carol", "alice"))));
    assertFailsWith(RoomsError.CONVERSATION_NOT_FOUND, () -> rooms.invite(eve, id, List.of("eve")));
  }

  @Test
  void of_concurrent_welcomes_one_creates_the_general_room_and_owns_it_the_others_join_it() throws Exception {
    List<Future<JsonObject>> welcomes = List.of(rooms.welcome(alice), rooms.welcome(bob), rooms.welcome(carol));
    await(Future.join(welcomes));
    String id = await(welcomes.get(0)).getString("id");
    List<JsonObject> members = await(rooms.members(alice, id)).getJsonArray("members").stream().map(JsonObject.class::cast).toList();
    String owner = await(rooms.get(alice, id)).getString("createdBy");
    for (Future<JsonObject> welcome : welcomes) {
      JsonObject room = welcome.result();
      assertEquals(id, room.getString("id"), "one general room for the tenant");
      assertEquals("general", room.getString("name"));
      assertEquals("public", room.getString("visibility"));
    }
    assertEquals(3, members.size(), "everyone welcomed is in it: " + members);
    assertEquals(List.of(owner), members.stream().filter(m -> "owner".equals(m.getString("role"))).map(m -> m.getString("userId")).toList(),
      "its creator is its one owner");

    // A repeated welcome (a retry after a crash) changes nothing; another tenant's is another room.
    Caller joiner = List.of(alice, bob, carol).stream().filter(c -> !c.userId().equals(owner)).findFirst().orElseThrow();
    assertEquals("member", await(rooms.welcome(joiner)).getString("role"));
    assertEquals(3, await(rooms.members(alice, id)).getJsonArray("members").size());
    String globex = await(rooms.welcome(eve)).getString("id");
    assertNotEquals(id, globex, "each tenant has its own");
    assertFailsWith(RoomsError.CONVERSATION_NOT_FOUND, () -> rooms.get(eve, id));
  }

  @Test
  void the_general_room_counts_against_the_conversations_a_user_may_be_in_and_may_be_left() throws Exception {
    String id = await(rooms.welcome(alice)).getString("id");
    for (int i = 0; i < 3; i++) {
      create(bob, room("private"));
    }
    assertFailsWith(RoomsError.TOO_MANY_CONVERSATIONS, () -> rooms.welcome(bob));
    assertEquals(1, await(rooms.members(alice, id)).getJsonArray("members").size(), "bob was not added");

    await(rooms.leave(alice, id));
    assertEquals(0, await(rooms.list(alice)).getJsonArray("conversations").size(), "a general room can be left");
    assertEquals("owner", await(rooms.welcome(alice)).getString("role"), "its creator, welcomed again, is its owner again");
  }

  @Test
  void no_general_room_is_made_when_none_is_configured() throws Exception {
    RoomsService without = service(new GeneralRoom(""));
    assertEquals(new JsonObject(), await(without.welcome(alice)));
    assertEquals(0, await(without.list(alice)).getJsonArray("conversations").size());
    assertEquals(0, await(without.publicRooms(bob)).getJsonArray("conversations").size());
  }

  @Test
  void only_a_member_mutes_a_conversation_and_only_for_themselves() throws Exception {
    String id = create(alice, room("private", "bob"));
    String open = create(alice, room("public"));
    assertEquals(new MuteConversation(id, true), await(rooms.mute(bob, id, true)));
    assertTrue(await(rooms.membership(bob, id)).muted());
    assertFalse(await(rooms.membership(alice, id)).muted(), "alice's setting is her own");
    assertTrue(await(rooms.list(bob)).getJsonArray("conversations").getJsonObject(0).getBoolean("muted"));
    assertFalse(await(rooms.mute(bob, id, false)).muted());
    assertFalse(await(rooms.membership(bob, id)).muted());

    assertFailsWith(RoomsError.CONVERSATION_NOT_FOUND, () -> rooms.mute(carol, id, true));
    assertFailsWith(RoomsError.CONVERSATION_NOT_FOUND, () -> rooms.mute(eve, id, true));
    assertFailsWith(RoomsError.CONVERSATION_NOT_FOUND, () -> rooms.mute(bob, "no-such-conversation", true));
    assertFailsWith(RoomsError.NOT_A_MEMBER, () -> rooms.mute(carol, open, true));
    await(rooms.leave(bob, id));
    assertFailsWith(RoomsError.CONVERSATION_NOT_FOUND, () -> rooms.mute(bob, id, true));
  }

  /** Memberships and rooms written before the key lists existed are listed after the next start. */
  @Test
  void conversations_of_the_previous_layout_are_listed_after_migration() throws Exception {
    JsonObject room = new JsonObject().put("_id", "old-room").put("tenant", "acme").put("type", "room").put("name", "old")
      .put("visibility", "public").put("createdBy", alice.userId()).put("createdAt", 1L).put("lastSeq", 4L);
    await(store.mongo().insert(ConversationStore.CONVERSATIONS, room));
    await(store.mongo().insert(MembershipStore.MEMBERSHIPS, new JsonObject().put("_id", MembershipStore.id("old-room", alice.userId()))
      .put("tenant", "acme").put("conversationId", "old-room").put("userId", alice.userId()).put("username", "alice")
      .put("role", "owner").put("readSeq", 2L).put("joinedAt", 1L)));
    assertEquals(List.of(), await(rooms.list(alice)).getJsonArray("conversations").getList());

    await(store.mongo().removeDocuments("migrations", new JsonObject()));
    await(rooms.ensureIndexes());
    JsonObject listed = await(rooms.list(alice)).getJsonArray("conversations").getJsonObject(0);
    assertEquals("old-room", listed.getString("id"));
    assertEquals(2L, listed.getLong("unread"));
    assertEquals("old-room", await(rooms.publicRooms(carol)).getJsonArray("conversations").getJsonObject(0).getString("id"));
    assertEquals(1, await(rooms.members(alice, "old-room")).getJsonArray("members").size());
  }

  private Caller register(String tenant, String username) throws Exception {
    JsonObject reply = await(store.vertx().eventBus().<JsonObject>request(AuthAddresses.REGISTER,
      new Registration(tenant, username, "correct-horse").toJson())).body();
    Account account = new Account(reply.getString("userId"), reply.getString("tenant"), reply.getString("username"));
    return new Caller(account.tenant(), account.userId(), account.username());
  }

  private String create(Caller creator, CreateConversation request) throws Exception {
    return await(rooms.create(creator, request)).getString("id");
  }

  private static CreateConversation room(String visibility, String... members) {
    return new CreateConversation("room", "general", visibility, List.of(members));
  }

  private static CreateConversation group(String... members) {
    return new CreateConversation("group", null, "private", List.of(members));
  }

  private static CreateConversation dm(String other) {
    return new CreateConversation("dm", null, "private", List.of(other));
  }
}
