package io.parley.rooms;

import io.parley.testing.BridgeClient;
import io.parley.testing.BridgeClient.BridgeError;
import io.parley.testing.Rest;
import io.parley.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two tenants, "acme" and "globex", each with a user named "alice". Nothing one tenant owns may be seen,
 * touched or even confirmed to exist from the other, whether the caller guesses ids or names users; and
 * no live event of one tenant reaches a connection of the other.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class TenantIsolationTest {

  private static final int CONVERSATION_NOT_FOUND = 300;
  private static final int FORBIDDEN = 104;

  private TestNode node;
  private Rest rest;

  @BeforeEach
  void start(Vertx vertx, VertxTestContext ctx) {
    TestNode.start(vertx).onComplete(ctx.succeeding(started -> {
      node = started;
      rest = new Rest(vertx, node.port());
      ctx.completeNow();
    }));
  }

  @AfterEach
  void stop(VertxTestContext ctx) {
    rest.close();
    node.stop().onComplete(ctx.succeedingThenComplete());
  }

  // ---------------------------------------------------------------------------------------------
  // REST: guessed ids of another tenant's conversations

  @Test
  void rest_operations_on_another_tenants_conversation_ids_answer_not_found(VertxTestContext ctx) {
    List<String> problems = new ArrayList<>();
    world().compose(w -> {
      List<Supplier<Future<Void>>> checks = new ArrayList<>();
      for (JsonObject intruder : List.of(w.globexAlice, w.gina)) {
        String token = intruder.getString("accessToken");
        for (Map.Entry<String, String> target : w.acmeConversations().entrySet()) {
          String id = target.getValue();
          String base = "/conversations/" + id;
          String who = intruder.getString("tenant") + "/" + intruder.getString("username") + " on acme " + target.getKey();
          checks.add(() -> notFound(problems, who + ": GET " + base, rest.get(base, token)));
          checks.add(() -> notFound(problems, who + ": join", rest.post(base + "/join", token, new JsonObject())));
          checks.add(() -> notFound(problems, who + ": leave", rest.post(base + "/leave", token, new JsonObject())));
          checks.add(() -> notFound(problems, who + ": invite", rest.post(base + "/invite", token,
            new JsonObject().put("members", new JsonArray().add("gina").add("alice")))));
          checks.add(() -> notFound(problems, who + ": members", rest.get(base + "/members", token)));
          checks.add(() -> notFound(problems, who + ": read", rest.post(base + "/read", token, new JsonObject().put("seq", 1))));
          checks.add(() -> notFound(problems, who + ": GET messages", rest.get(base + "/messages", token)));
          checks.add(() -> notFound(problems, who + ": GET messages?after=0", rest.get(base + "/messages?after=0", token)));
          checks.add(() -> notFound(problems, who + ": POST messages", rest.post(base + "/messages", token,
            new JsonObject().put("clientMsgId", "intruder-1").put("text", "let me in"))));
        }
      }
      return sequence(checks).compose(v -> assertAcmeIntact(w, problems))
        .compose(v -> rest.expectGet(200, "/conversations", w.globexAlice.getString("accessToken")))
        .map(list -> {
          Set<String> listed = ids(list.getJsonArray("conversations"));
          for (String acmeId : w.acmeConversations().values()) {
            if (listed.contains(acmeId)) {
              problems.add("globex alice's own list contains acme conversation " + acmeId);
            }
          }
          return null;
        });
    }).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertTrue(problems.isEmpty(), "isolation violations:\n  " + String.join("\n  ", problems));
      ctx.completeNow();
    })));
  }

  // ---------------------------------------------------------------------------------------------
  // Bridge: the same guesses over the event-bus bridge

  @Test
  void bridge_requests_on_another_tenants_conversation_ids_fail_with_conversation_not_found(Vertx vertx, VertxTestContext ctx) {
    List<String> problems = new ArrayList<>();
    world().compose(w -> BridgeClient.online(vertx, node.port(), w.globexAlice).compose(globex -> {
      List<Supplier<Future<Void>>> checks = new ArrayList<>();
      for (Map.Entry<String, String> target : w.acmeConversations().entrySet()) {
        String id = target.getValue();
        String who = "globex/alice over the bridge on acme " + target.getKey();
        JsonObject idOnly = new JsonObject().put("conversationId", id);
        checks.add(() -> bridgeFails(problems, who + ": parley.rooms.get", globex.request("parley.rooms.get", idOnly.copy()),
          CONVERSATION_NOT_FOUND, "CONVERSATION_NOT_FOUND"));
        checks.add(() -> bridgeFails(problems, who + ": parley.rooms.join", globex.request("parley.rooms.join", idOnly.copy()),
          CONVERSATION_NOT_FOUND, "CONVERSATION_NOT_FOUND"));
        checks.add(() -> bridgeFails(problems, who + ": parley.rooms.members", globex.request("parley.rooms.members", idOnly.copy()),
          CONVERSATION_NOT_FOUND, "CONVERSATION_NOT_FOUND"));
        checks.add(() -> bridgeFails(problems, who + ": parley.rooms.read",
          globex.request("parley.rooms.read", idOnly.copy().put("seq", 1)), CONVERSATION_NOT_FOUND, "CONVERSATION_NOT_FOUND"));
        checks.add(() -> bridgeFails(problems, who + ": parley.rooms.leave", globex.request("parley.rooms.leave", idOnly.copy()),
          CONVERSATION_NOT_FOUND, "CONVERSATION_NOT_FOUND"));
        checks.add(() -> bridgeFails(problems, who + ": parley.rooms.invite",
          globex.request("parley.rooms.invite", idOnly.copy().put("members", new JsonArray().add("gina"))),
          CONVERSATION_NOT_FOUND, "CONVERSATION_NOT_FOUND"));
        checks.add(() -> bridgeFails(problems, who + ": parley.delivery.send",
          globex.request("parley.delivery.send", idOnly.copy().put("clientMsgId", "intruder-1").put("text", "let me in")),
          CONVERSATION_NOT_FOUND, "CONVERSATION_NOT_FOUND"));
        checks.add(() -> bridgeFails(problems, who + ": parley.delivery.history",
          globex.request("parley.delivery.history", idOnly.copy()), CONVERSATION_NOT_FOUND, "CONVERSATION_NOT_FOUND"));
        checks.add(() -> bridgeFails(problems, who + ": parley.delivery.history after=0",
          globex.request("parley.delivery.history", idOnly.copy().put("after", 0)), CONVERSATION_NOT_FOUND, "CONVERSATION_NOT_FOUND"));
      }
      return sequence(checks)
        .compose(v -> globex.request("parley.rooms.list", new JsonObject()))
        .map(list -> {
          Set<String> listed = ids(list.getJsonArray("conversations"));
          w.acmeConversations().forEach((what, acmeId) -> {
            if (listed.contains(acmeId)) {
              problems.add("globex alice's bridge list contains acme " + what);
            }
          });
          if (!globex.protocolErrors().isEmpty()) {
            problems.add("protocol errors on the globex connection: " + globex.protocolErrors());
          }
          return null;
        })
        .compose(v -> assertAcmeIntact(w, problems))
        .eventually(globex::close);
    })).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertTrue(problems.isEmpty(), "isolation violations:\n  " + String.join("\n  ", problems));
      ctx.completeNow();
    })));
  }

  // ---------------------------------------------------------------------------------------------
  // Usernames resolve within the caller's tenant only

  @Test
  void naming_a_user_of_another_tenant_when_creating_a_conversation_is_unknown_users(VertxTestContext ctx) {
    List<String> problems = new ArrayList<>();
    world().compose(w -> {
      String globexToken = w.globexAlice.getString("accessToken");
      String acmeToken = w.acmeAlice.getString("accessToken");
      List<Supplier<Future<Void>>> checks = List.of(
        () -> rejected(problems, "globex dm with acme-only bob", rest.post("/conversations", globexToken,
          new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob"))), 404, "UNKNOWN_USERS", "bob"),
        () -> rejected(problems, "globex group with gina and acme-only bob", rest.post("/conversations", globexToken,
          new JsonObject().put("type", "group").put("members", new JsonArray().add("gina").add("bob"))), 404, "UNKNOWN_USERS", "bob"),
        () -> rejected(problems, "globex room with acme-only carol", rest.post("/conversations", globexToken,
          new JsonObject().put("type", "room").put("name", "plans").put("members", new JsonArray().add("carol"))),
          404, "UNKNOWN_USERS", "carol"),
        () -> rejected(problems, "globex private room with acme-only bob", rest.post("/conversations", globexToken,
          new JsonObject().put("type", "room").put("name", "plans").put("visibility", "private")
            .put("members", new JsonArray().add("bob"))), 404, "UNKNOWN_USERS", "bob"),
        () -> rejected(problems, "acme dm with globex-only gina", rest.post("/conversations", acmeToken,
          new JsonObject().put("type", "dm").put("members", new JsonArray().add("gina"))), 404, "UNKNOWN_USERS", "gina"),
        () -> rejected(problems, "acme group with globex-only gina", rest.post("/conversations", acmeToken,
          new JsonObject().put("type", "group").put("members", new JsonArray().add("bob").add("gina"))), 404, "UNKNOWN_USERS", "gina"),
        () -> rejected(problems, "acme invite of globex-only gina", rest.post("/conversations/" + w.publicRoom + "/invite", acmeToken,
          new JsonObject().put("members", new JsonArray().add("gina"))), 404, "UNKNOWN_USERS", "gina"));
      return sequence(checks)
        // "alice" exists in both tenants: gina's DM with "alice" must be with globex's alice, never acme's.
        .compose(v -> rest.createConversation(w.gina.getString("accessToken"),
          new JsonObject().put("type", "dm").put("members", new JsonArray().add("alice"))))
        .compose(dm -> rest.expectGet(200, "/conversations/" + dm.getString("id") + "/members", w.gina.getString("accessToken"))
          .map(members -> {
            Set<String> memberIds = userIds(members.getJsonArray("members"));
            if (!memberIds.equals(Set.of(w.gina.getString("userId"), w.globexAlice.getString("userId")))) {
              problems.add("gina's dm with 'alice' has members " + memberIds + "; expected gina and globex alice "
                + w.globexAlice.getString("userId") + " (acme alice is " + w.acmeAlice.getString("userId") + ")");
            }
            return dm.getString("id");
          }))
        .compose(dmId -> rest.get("/conversations/" + dmId, w.acmeAlice.getString("accessToken"))
          .compose(response -> expectError(problems, "acme alice GET of globex gina+alice dm", response, 404, "CONVERSATION_NOT_FOUND")))
        .compose(v -> assertAcmeIntact(w, problems));
    }).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertTrue(problems.isEmpty(), "isolation violations:\n  " + String.join("\n  ", problems));
      ctx.completeNow();
    })));
  }

  // ---------------------------------------------------------------------------------------------
  // Listings and catch-up

  @Test
  void public_room_listing_shows_only_the_callers_tenant(VertxTestContext ctx) {
    world().compose(w -> rest.createConversation(w.gina.getString("accessToken"),
        new JsonObject().put("type", "room").put("name", "globex-lobby"))
      .compose(globexRoom -> Future.all(
          rest.expectGet(200, "/conversations?scope=public", w.acmeBob.getString("accessToken")),
          rest.expectGet(200, "/conversations?scope=public", w.globexAlice.getString("accessToken")))
        .map(lists -> {
          Set<String> acmeListed = ids(((JsonObject) lists.resultAt(0)).getJsonArray("conversations"));
          Set<String> globexListed = ids(((JsonObject) lists.resultAt(1)).getJsonArray("conversations"));
          ctx.verify(() -> {
            assertEquals(Set.of(w.publicRoom), acmeListed, "acme sees exactly its one public room");
            assertEquals(Set.of(globexRoom.getString("id")), globexListed, "globex sees exactly its one public room");
            for (Object o : ((JsonObject) lists.resultAt(1)).getJsonArray("conversations")) {
              JsonObject room = (JsonObject) o;
              assertEquals("public", room.getString("visibility"));
              assertEquals("room", room.getString("type"));
            }
          });
          return null;
        })))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void sync_naming_another_tenants_conversations_returns_nothing_for_them(Vertx vertx, VertxTestContext ctx) {
    world().compose(w -> {
      JsonObject positions = new JsonObject();
      w.acmeConversations().values().forEach(id -> positions.put(id, 0));
      JsonObject body = new JsonObject().put("positions", positions);
      return rest.expect(200, "/sync", w.globexAlice.getString("accessToken"), body.copy())
        .compose(restSync -> BridgeClient.online(vertx, node.port(), w.globexAlice)
          .compose(globex -> globex.request("parley.delivery.sync", body.copy()).eventually(globex::close))
          .map(bridgeSync -> {
            ctx.verify(() -> {
              for (JsonObject answer : List.of(restSync, bridgeSync)) {
                JsonObject conversations = answer.getJsonObject("conversations");
                for (String acmeId : w.acmeConversations().values()) {
                  assertFalse(conversations.containsKey(acmeId), "sync answered for acme conversation " + acmeId + ": " + answer);
                }
                assertFalse(answer.encode().contains("p-1"), "acme message text leaked into sync: " + answer);
              }
            });
            return w;
          }));
    }).compose(w -> {
      // acme's own sync is unaffected.
      return rest.expect(200, "/sync", w.acmeBob.getString("accessToken"), new JsonObject().put("positions",
          new JsonObject().put(w.publicRoom, 0)))
        .map(sync -> {
          ctx.verify(() -> assertEquals(2, sync.getJsonObject("conversations").getJsonObject(w.publicRoom)
            .getJsonArray("messages").size()));
          return null;
        });
    }).onComplete(ctx.succeedingThenComplete());
  }

  // ---------------------------------------------------------------------------------------------
  // Bridge registration: only one's own inbox

  @Test
  void registering_another_users_inbox_is_forbidden_in_the_same_and_in_another_tenant(Vertx vertx, VertxTestContext ctx) {
    List<String> problems = new ArrayList<>();
    world().compose(w -> {
      String acmeAliceInbox = BridgeClient.inboxOf(w.acmeAlice);
      String globexAliceInbox = BridgeClient.inboxOf(w.globexAlice);
      // Same user id, wrong tenant: globex alice claiming an acme inbox with her own user id.
      String globexAliceUnderAcme = "parley.client.acme." + w.globexAlice.getString("userId");
      record Attempt(String label, JsonObject session, String inbox) {
      }
      List<Attempt> attempts = List.of(
        new Attempt("acme bob registers acme alice's inbox", w.acmeBob, acmeAliceInbox),
        new Attempt("globex alice registers acme alice's inbox", w.globexAlice, acmeAliceInbox),
        new Attempt("acme alice registers globex alice's inbox", w.acmeAlice, globexAliceInbox),
        new Attempt("globex alice registers acme.<her own userId>", w.globexAlice, globexAliceUnderAcme),
        new Attempt("acme bob registers globex alice's inbox", w.acmeBob, globexAliceInbox));
      List<BridgeClient> spies = new ArrayList<>();
      List<Supplier<Future<Void>>> checks = new ArrayList<>();
      for (Attempt attempt : attempts) {
        checks.add(() -> BridgeClient.connect(vertx, node.port()).compose(client -> {
          spies.add(client);
          return bridgeFails(problems, attempt.label(),
            client.token(attempt.session().getString("accessToken")).register(attempt.inbox()), FORBIDDEN, "FORBIDDEN");
        }));
      }
      return sequence(checks)
        // The refused connections must get nothing addressed to the inbox they claimed: alice and carol
        // talk in a private room bob and globex are not in, while alice's own connection proves delivery.
        .compose(v -> BridgeClient.online(vertx, node.port(), w.acmeAlice))
        .compose(aliceTab -> rest.createConversation(w.acmeAlice.getString("accessToken"), new JsonObject()
            .put("type", "room").put("name", "alice-and-carol").put("visibility", "private")
            .put("members", new JsonArray().add("carol")))
          .compose(room -> rest.send(w.acmeAlice.getString("accessToken"), room.getString("id"), "ac-1", "just us")
            .compose(sent -> aliceTab.awaitMessages(room.getString("id"), 1)))
          .compose(delivered -> vertx.timer(500))
          .map(t -> {
            for (int i = 0; i < spies.size(); i++) {
              BridgeClient spy = spies.get(i);
              if (!spy.events().isEmpty()) {
                problems.add("refused connection (" + attempts.get(i).label() + ") received events: " + spy.events());
              }
            }
            return null;
          })
          // A refused connection may still register its own inbox afterwards.
          .compose(v -> spies.get(0).register(BridgeClient.inboxOf(w.acmeBob)))
          .map(ready -> {
            if (!"ready".equals(ready.getString("type"))) {
              problems.add("acme bob's own registration after a refusal answered " + ready);
            }
            return null;
          })
          .eventually(() -> Future.all(spies.stream().map(BridgeClient::close).toList()).compose(x -> aliceTab.close())))
        .mapEmpty();
    }).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertTrue(problems.isEmpty(), "isolation violations:\n  " + String.join("\n  ", problems));
      ctx.completeNow();
    })));
  }

  // ---------------------------------------------------------------------------------------------
  // Live events stay inside their tenant

  @Test
  void live_events_of_one_tenant_never_reach_a_connection_of_the_other(Vertx vertx, VertxTestContext ctx) {
    world().compose(w -> Future.all(List.of(
        BridgeClient.online(vertx, node.port(), w.globexAlice),
        BridgeClient.online(vertx, node.port(), w.gina),
        BridgeClient.connect(vertx, node.port()),
        BridgeClient.online(vertx, node.port(), w.acmeAlice),
        BridgeClient.online(vertx, node.port(), w.acmeBob)))
      .compose(all -> {
        BridgeClient globexAlice = all.resultAt(0);
        BridgeClient gina = all.resultAt(1);
        BridgeClient globexSpy = all.resultAt(2);
        BridgeClient acmeAlice = all.resultAt(3);
        BridgeClient acmeBob = all.resultAt(4);
        String acmeToken = w.acmeAlice.getString("accessToken");
        String bobToken = w.acmeBob.getString("accessToken");
        String carolToken = w.acmeCarol.getString("accessToken");
        // The spy claims acme alice's inbox (refused) and keeps listening on that address.
        Future<Void> spyRefused = globexSpy.token(w.globexAlice.getString("accessToken"))
          .register(BridgeClient.inboxOf(w.acmeAlice))
          .transform(ar -> ar.succeeded()
            ? Future.failedFuture(new AssertionError("globex registered acme alice's inbox"))
            : Future.succeededFuture());
        // Globex also tries to subscribe itself by joining, over the bridge, before acme gets busy.
        Future<Void> joinRefused = globexAlice.request("parley.rooms.join", new JsonObject().put("conversationId", w.publicRoom))
          .transform(ar -> ar.succeeded()
            ? Future.failedFuture(new AssertionError("globex joined acme's public room: " + ar.result()))
            : Future.succeededFuture());
        return Future.all(spyRefused, joinRefused)
          .compose(v -> Future.all(List.of(
            rest.send(acmeToken, w.publicRoom, "live-1", "public news"),
            rest.send(acmeToken, w.privateRoom, "live-2", "private news"),
            rest.send(acmeToken, w.dm, "live-3", "dm news"))))
          .compose(v -> rest.expect(200, "/conversations/" + w.publicRoom + "/join", carolToken, new JsonObject()))
          .compose(v -> rest.expect(200, "/conversations/" + w.publicRoom + "/read", bobToken, new JsonObject().put("seq", 3)))
          .compose(v -> rest.expect(200, "/conversations/" + w.privateRoom + "/invite", acmeToken,
            new JsonObject().put("members", new JsonArray().add("carol"))))
          .compose(v -> rest.expect(204, "/conversations/" + w.publicRoom + "/leave", carolToken, new JsonObject()))
          .compose(v -> rest.createConversation(acmeToken, new JsonObject().put("type", "room").put("name", "late")
            .put("members", new JsonArray().add("bob"))))
          .compose(late -> rest.send(acmeToken, late.getString("id"), "live-4", "late news").map(late))
          // acme's own connections prove every event was delivered before we look at globex.
          .compose(late -> Future.all(List.of(
              acmeBob.awaitMessages(w.publicRoom, 1), acmeBob.awaitMessages(w.privateRoom, 1), acmeBob.awaitMessages(w.dm, 1),
              acmeBob.awaitMessages(late.getString("id"), 1),
              acmeAlice.awaitEvents(e -> "member.left".equals(e.getString("type")), 1),
              acmeAlice.awaitEvents(e -> "read".equals(e.getString("type")), 1),
              acmeAlice.awaitEvents(e -> "member.joined".equals(e.getString("type")), 2)))
            .map(late))
          // Meanwhile globex talks in its own room: acme must not hear that either.
          .compose(late -> rest.createConversation(w.gina.getString("accessToken"), new JsonObject().put("type", "room")
              .put("name", "globex-only").put("members", new JsonArray().add("alice")))
            .compose(globexRoom -> rest.send(w.gina.getString("accessToken"), globexRoom.getString("id"), "g-1", "globex news")
              .compose(sent -> globexAlice.awaitMessages(globexRoom.getString("id"), 1))
              .compose(seen -> vertx.timer(500))
              .map(t -> {
                ctx.verify(() -> {
                  Set<String> acmeIds = Set.of(w.publicRoom, w.privateRoom, w.dm, late.getString("id"));
                  for (BridgeClient globex : List.of(globexAlice, gina)) {
                    List<JsonObject> leaked = globex.events().stream()
                      .filter(e -> acmeIds.contains(e.getString("conversationId")))
                      .toList();
                    assertEquals(List.of(), leaked, "acme events reached a globex connection");
                    List<JsonObject> foreign = globex.events().stream()
                      .filter(e -> !globexRoom.getString("id").equals(e.getString("conversationId"))).toList();
                    assertEquals(List.of(), foreign, "a globex connection received events of conversations it is not in");
                  }
                  assertEquals(List.of(), globexSpy.events(), "the refused globex spy received acme alice's events");
                  for (BridgeClient acme : List.of(acmeAlice, acmeBob)) {
                    assertTrue(acme.events().stream().noneMatch(e -> globexRoom.getString("id").equals(e.getString("conversationId"))),
                      "globex events reached an acme connection: " + acme.events());
                  }
                  for (BridgeClient client : List.of(globexAlice, gina, globexSpy, acmeAlice, acmeBob)) {
                    assertEquals(List.of(), client.protocolErrors());
                  }
                });
                return null;
              })))
          .eventually(() -> Future.all(List.of(globexAlice.close(), gina.close(), globexSpy.close(), acmeAlice.close(), acmeBob.close())));
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  // ---------------------------------------------------------------------------------------------
  // Fixture

  /** acme: alice, bob, carol with a public room, a private room and an alice–bob DM; globex: alice, gina. */
  private Future<World> world() {
    return Future.all(List.of(rest.user("acme", "alice"), rest.user("acme", "bob"), rest.user("acme", "carol"),
        rest.user("globex", "alice"), rest.user("globex", "gina")))
      .compose(users -> {
        World w = new World(users.resultAt(0), users.resultAt(1), users.resultAt(2), users.resultAt(3), users.resultAt(4));
        String token = w.acmeAlice.getString("accessToken");
        JsonArray bob = new JsonArray().add("bob");
        return Future.all(
            rest.createConversation(token, new JsonObject().put("type", "room").put("name", "general").put("members", bob.copy())),
            rest.createConversation(token, new JsonObject().put("type", "room").put("name", "secret")
              .put("visibility", "private").put("members", bob.copy())),
            rest.createConversation(token, new JsonObject().put("type", "dm").put("members", bob.copy())))
          .compose(created -> {
            w.publicRoom = ((JsonObject) created.resultAt(0)).getString("id");
            w.privateRoom = ((JsonObject) created.resultAt(1)).getString("id");
            w.dm = ((JsonObject) created.resultAt(2)).getString("id");
            List<Supplier<Future<Void>>> sends = new ArrayList<>();
            for (String id : w.acmeConversations().values()) {
              sends.add(() -> rest.send(token, id, "p-1-" + id.substring(0, 8), "p-1").mapEmpty());
              sends.add(() -> rest.send(w.acmeBob.getString("accessToken"), id, "p-2-" + id.substring(0, 8), "p-2").mapEmpty());
            }
            return sequence(sends);
          })
          .compose(v -> snapshot(w))
          .map(snapshot -> {
            w.snapshot = snapshot;
            return w;
          });
      });
  }

  /** History and members of every acme conversation, as acme alice sees them. */
  private Future<Map<String, JsonObject>> snapshot(World w) {
    String token = w.acmeAlice.getString("accessToken");
    Map<String, JsonObject> state = new LinkedHashMap<>();
    List<Supplier<Future<Void>>> reads = new ArrayList<>();
    for (String id : w.acmeConversations().values()) {
      reads.add(() -> rest.history(token, id, "after=0").compose(history -> rest.expectGet(200, "/conversations/" + id + "/members", token)
        .compose(members -> rest.expectGet(200, "/conversations/" + id, token).map(conversation -> {
          state.put(id, new JsonObject().put("messages", history.getJsonArray("messages"))
            .put("members", members.getJsonArray("members")).put("lastSeq", conversation.getLong("lastSeq")));
          return null;
        }))));
    }
    return sequence(reads).map(v -> state);
  }

  private Future<Void> assertAcmeIntact(World w, List<String> problems) {
    return snapshot(w).map(now -> {
      for (String id : w.acmeConversations().values()) {
        JsonObject before = w.snapshot.get(id);
        JsonObject after = now.get(id);
        if (!before.equals(after)) {
          problems.add("acme conversation " + id + " changed:\n    before " + before.encode() + "\n    after  " + after.encode());
        }
      }
      if (w.snapshot.get(w.publicRoom).getJsonArray("messages").size() != 2) {
        problems.add("fixture: expected 2 messages in the public room, found " + w.snapshot.get(w.publicRoom));
      }
      return null;
    });
  }

  private static final class World {
    final JsonObject acmeAlice;
    final JsonObject acmeBob;
    final JsonObject acmeCarol;
    final JsonObject globexAlice;
    final JsonObject gina;
    String publicRoom;
    String privateRoom;
    String dm;
    Map<String, JsonObject> snapshot;

    World(JsonObject acmeAlice, JsonObject acmeBob, JsonObject acmeCarol, JsonObject globexAlice, JsonObject gina) {
      this.acmeAlice = acmeAlice;
      this.acmeBob = acmeBob;
      this.acmeCarol = acmeCarol;
      this.globexAlice = globexAlice;
      this.gina = gina;
      assertNotEquals(acmeAlice.getString("userId"), globexAlice.getString("userId"));
    }

    Map<String, String> acmeConversations() {
      Map<String, String> ids = new LinkedHashMap<>();
      ids.put("public room", publicRoom);
      ids.put("private room", privateRoom);
      ids.put("dm", dm);
      return ids;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers: each check records a problem instead of stopping, so one run reports every violation.

  private static Future<Void> notFound(List<String> problems, String label, Future<HttpResponse<Buffer>> call) {
    return call.compose(response -> expectError(problems, label, response, 404, "CONVERSATION_NOT_FOUND"));
  }

  private static Future<Void> rejected(List<String> problems, String label, Future<HttpResponse<Buffer>> call,
                                       int status, String code, String mentioned) {
    return call.compose(response -> expectError(problems, label, response, status, code).map(v -> {
      String body = response.bodyAsString();
      if (response.statusCode() == status && (body == null || !body.contains(mentioned))) {
        problems.add(label + ": error does not name '" + mentioned + "': " + body);
      }
      return null;
    }));
  }

  private static Future<Void> expectError(List<String> problems, String label, HttpResponse<Buffer> response, int status, String code) {
    String body = response.bodyAsString();
    String actualCode = null;
    try {
      JsonObject error = body == null ? null : new JsonObject(body).getJsonObject("error");
      actualCode = error == null ? null : error.getString("code");
    } catch (RuntimeException e) {
      // not JSON: reported below
    }
    if (response.statusCode() != status || !code.equals(actualCode)) {
      problems.add(label + ": expected " + status + " " + code + " but got " + response.statusCode() + " " + body);
    }
    return Future.succeededFuture();
  }

  private static Future<Void> bridgeFails(List<String> problems, String label, Future<?> request, int failureCode, String code) {
    return request.transform(ar -> {
      if (ar.succeeded()) {
        problems.add(label + ": expected err " + failureCode + " " + code + " but succeeded with " + ar.result());
      } else if (!(ar.cause() instanceof BridgeError error)) {
        problems.add(label + ": failed oddly: " + ar.cause());
      } else if (error.failureCode() != failureCode || !code.equals(error.code())) {
        problems.add(label + ": expected err " + failureCode + " " + code + " but got " + error.failureCode() + " " + error.getMessage());
      }
      return Future.succeededFuture();
    });
  }

  private static Future<Void> sequence(List<Supplier<Future<Void>>> steps) {
    Future<Void> chain = Future.succeededFuture();
    for (Supplier<Future<Void>> step : steps) {
      chain = chain.compose(v -> step.get());
    }
    return chain;
  }

  private static Set<String> ids(JsonArray conversations) {
    return conversations.stream().map(o -> ((JsonObject) o).getString("id")).collect(Collectors.toSet());
  }

  private static Set<String> userIds(JsonArray members) {
    return members.stream().map(o -> ((JsonObject) o).getString("userId")).collect(Collectors.toSet());
  }
}
