package io.parley.rooms;

import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static io.parley.rooms.TenantWorld.ids;
import static io.parley.rooms.TenantWorld.noViolations;
import static io.parley.rooms.TenantWorld.notFound;
import static io.parley.rooms.TenantWorld.rejected;
import static io.parley.rooms.TenantWorld.soft;
import static io.parley.rooms.TenantWorld.userIds;
import static io.parley.testing.ApiAssertions.refused;
import static io.parley.testing.Async.sequence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Two tenants, "acme" and "globex", each with a user named "alice" ({@link TenantWorld}). Over REST,
 * nothing one tenant owns may be seen, touched or even confirmed to exist from the other, whether the
 * caller guesses ids or names users. The bridge and live events: TenantBridgeIsolationTest.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class TenantIsolationTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @Test
  void rest_operations_on_another_tenants_conversation_ids_answer_not_found(VertxTestContext ctx) {
    List<String> problems = new ArrayList<>();
    TenantWorld.create(node.rest()).compose(w -> {
      List<Supplier<Future<Void>>> checks = new ArrayList<>();
      for (JsonObject intruder : List.of(w.globexAlice, w.gina)) {
        String token = intruder.getString("accessToken");
        for (Map.Entry<String, String> target : w.acmeConversations().entrySet()) {
          String id = target.getValue();
          String base = "/conversations/" + id;
          String who = intruder.getString("tenant") + "/" + intruder.getString("username") + " on acme " + target.getKey();
          checks.add(() -> notFound(problems, who + ": GET " + base, node.rest().get(base, token)));
          checks.add(() -> notFound(problems, who + ": join", node.rest().post(base + "/join", token, new JsonObject())));
          checks.add(() -> notFound(problems, who + ": leave", node.rest().post(base + "/leave", token, new JsonObject())));
          checks.add(() -> notFound(problems, who + ": invite", node.rest().post(base + "/invite", token,
            new JsonObject().put("members", new JsonArray().add("gina").add("alice")))));
          checks.add(() -> notFound(problems, who + ": members", node.rest().get(base + "/members", token)));
          checks.add(() -> notFound(problems, who + ": read", node.rest().post(base + "/read", token, new JsonObject().put("seq", 1))));
          checks.add(() -> notFound(problems, who + ": GET messages", node.rest().get(base + "/messages", token)));
          checks.add(() -> notFound(problems, who + ": GET messages?after=0", node.rest().get(base + "/messages?after=0", token)));
          checks.add(() -> notFound(problems, who + ": POST messages", node.rest().post(base + "/messages", token,
            new JsonObject().put("clientMsgId", "intruder-1").put("text", "let me in"))));
        }
      }
      return sequence(checks).compose(v -> w.assertAcmeIntact(problems))
        .compose(v -> node.rest().expectGet(200, "/conversations", w.globexAlice.getString("accessToken")))
        .map(list -> {
          Set<String> listed = ids(list.getJsonArray("conversations"));
          for (String acmeId : w.acmeConversations().values()) {
            if (listed.contains(acmeId)) {
              problems.add("globex alice's own list contains acme conversation " + acmeId);
            }
          }
          return null;
        });
    }).onComplete(noViolations(ctx, problems));
  }

  @Test
  void naming_a_user_of_another_tenant_when_creating_a_conversation_is_unknown_users(VertxTestContext ctx) {
    List<String> problems = new ArrayList<>();
    TenantWorld.create(node.rest()).compose(w -> {
      String globexToken = w.globexAlice.getString("accessToken");
      String acmeToken = w.acmeAlice.getString("accessToken");
      List<Supplier<Future<Void>>> checks = List.of(
        () -> rejected(problems, "globex dm with acme-only bob", node.rest().post("/conversations", globexToken,
          new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob"))), 404, "UNKNOWN_USERS", "bob"),
        () -> rejected(problems, "globex group with gina and acme-only bob", node.rest().post("/conversations", globexToken,
          new JsonObject().put("type", "group").put("members", new JsonArray().add("gina").add("bob"))), 404, "UNKNOWN_USERS", "bob"),
        () -> rejected(problems, "globex room with acme-only carol", node.rest().post("/conversations", globexToken,
          new JsonObject().put("type", "room").put("name", "plans").put("members", new JsonArray().add("carol"))),
          404, "UNKNOWN_USERS", "carol"),
        () -> rejected(problems, "globex private room with acme-only bob", node.rest().post("/conversations", globexToken,
          new JsonObject().put("type", "room").put("name", "plans").put("visibility", "private")
            .put("members", new JsonArray().add("bob"))), 404, "UNKNOWN_USERS", "bob"),
        () -> rejected(problems, "acme dm with globex-only gina", node.rest().post("/conversations", acmeToken,
          new JsonObject().put("type", "dm").put("members", new JsonArray().add("gina"))), 404, "UNKNOWN_USERS", "gina"),
        () -> rejected(problems, "acme group with globex-only gina", node.rest().post("/conversations", acmeToken,
          new JsonObject().put("type", "group").put("members", new JsonArray().add("bob").add("gina"))), 404, "UNKNOWN_USERS", "gina"),
        () -> rejected(problems, "acme invite of globex-only gina", node.rest().post("/conversations/" + w.publicRoom + "/invite", acmeToken,
          new JsonObject().put("members", new JsonArray().add("gina"))), 404, "UNKNOWN_USERS", "gina"));
      return sequence(checks)
        // "alice" exists in both tenants: gina's DM with "alice" must be with globex's alice, never acme's.
        .compose(v -> node.rest().createConversation(w.gina.getString("accessToken"),
          new JsonObject().put("type", "dm").put("members", new JsonArray().add("alice"))))
        .compose(dm -> node.rest().expectGet(200, "/conversations/" + dm.getString("id") + "/members", w.gina.getString("accessToken"))
          .map(members -> {
            Set<String> memberIds = userIds(members.getJsonArray("members"));
            if (!memberIds.equals(Set.of(w.gina.getString("userId"), w.globexAlice.getString("userId")))) {
              problems.add("gina's dm with 'alice' has members " + memberIds + "; expected gina and globex alice "
                + w.globexAlice.getString("userId") + " (acme alice is " + w.acmeAlice.getString("userId") + ")");
            }
            return dm.getString("id");
          }))
        .compose(dmId -> node.rest().get("/conversations/" + dmId, w.acmeAlice.getString("accessToken"))
          .compose(response -> soft(problems, "acme alice GET of globex gina+alice dm", refused(Future.succeededFuture(response), 404, "CONVERSATION_NOT_FOUND"))))
        .compose(v -> w.assertAcmeIntact(problems));
    }).onComplete(noViolations(ctx, problems));
  }

  @Test
  void public_room_listing_shows_only_the_callers_tenant(VertxTestContext ctx) {
    TenantWorld.create(node.rest()).compose(w -> node.rest().createConversation(w.gina.getString("accessToken"),
        new JsonObject().put("type", "room").put("name", "globex-lobby"))
      .compose(globexRoom -> Future.all(
          node.rest().expectGet(200, "/conversations?scope=public", w.acmeBob.getString("accessToken")),
          node.rest().expectGet(200, "/conversations?scope=public", w.globexAlice.getString("accessToken")))
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
  void sync_naming_another_tenants_conversations_returns_nothing_for_them(VertxTestContext ctx) {
    TenantWorld.create(node.rest()).compose(w -> {
      JsonObject positions = new JsonObject();
      w.acmeConversations().values().forEach(id -> positions.put(id, 0));
      JsonObject body = new JsonObject().put("positions", positions);
      return node.rest().expect(200, "/sync", w.globexAlice.getString("accessToken"), body.copy())
        .compose(restSync -> node.online(w.globexAlice)
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
      return node.rest().expect(200, "/sync", w.acmeBob.getString("accessToken"), new JsonObject().put("positions",
          new JsonObject().put(w.publicRoom, 0)))
        .map(sync -> {
          ctx.verify(() -> assertEquals(2, sync.getJsonObject("conversations").getJsonObject(w.publicRoom)
            .getJsonArray("messages").size()));
          return null;
        });
    }).onComplete(ctx.succeedingThenComplete());
  }

}
