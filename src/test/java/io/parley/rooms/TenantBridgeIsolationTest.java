package io.parley.rooms;

import io.parley.testing.BridgeClient;
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

import static io.parley.rooms.TenantWorld.bridgeFails;
import static io.parley.rooms.TenantWorld.ids;
import static io.parley.rooms.TenantWorld.noViolations;
import static io.parley.testing.ApiAssertions.refused;
import static io.parley.testing.Async.sequence;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The same two tenants over the event-bus bridge: guessed ids fail as unknown, only one's own inbox can
 * be registered, and no live event of one tenant reaches a connection of the other.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class TenantBridgeIsolationTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  private static final int CONVERSATION_NOT_FOUND = 300;
  private static final int FORBIDDEN = 104;

  @Test
  void bridge_requests_on_another_tenants_conversation_ids_fail_with_conversation_not_found(VertxTestContext ctx) {
    List<String> problems = new ArrayList<>();
    TenantWorld.create(node.rest()).compose(w -> node.online(w.globexAlice).compose(globex -> {
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
        .compose(v -> w.assertAcmeIntact(problems))
        .eventually(globex::close);
    })).onComplete(noViolations(ctx, problems));
  }

  @Test
  void registering_another_users_inbox_is_forbidden_in_the_same_and_in_another_tenant(VertxTestContext ctx) {
    List<String> problems = new ArrayList<>();
    TenantWorld.create(node.rest()).compose(w -> {
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
        checks.add(() -> node.bridge().compose(client -> {
          spies.add(client);
          return bridgeFails(problems, attempt.label(),
            client.token(attempt.session().getString("accessToken")).register(attempt.inbox()), FORBIDDEN, "FORBIDDEN");
        }));
      }
      return sequence(checks)
        // The refused connections must get nothing addressed to the inbox they claimed: alice and carol
        // talk in a private room bob and globex are not in, while alice's own connection proves delivery.
        .compose(v -> node.online(w.acmeAlice))
        .compose(aliceTab -> node.rest().createConversation(w.acmeAlice.getString("accessToken"), new JsonObject()
            .put("type", "room").put("name", "alice-and-carol").put("visibility", "private")
            .put("members", new JsonArray().add("carol")))
          .compose(room -> node.rest().send(w.acmeAlice.getString("accessToken"), room.getString("id"), "ac-1", "just us")
            .compose(sent -> aliceTab.awaitMessages(room.getString("id"), 1)))
          .compose(delivered -> node.vertx().timer(500))
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
    }).onComplete(noViolations(ctx, problems));
  }

  @Test
  void live_events_of_one_tenant_never_reach_a_connection_of_the_other(VertxTestContext ctx) {
    TenantWorld.create(node.rest()).compose(w -> Future.all(List.of(
        node.online(w.globexAlice),
        node.online(w.gina),
        node.bridge(),
        node.online(w.acmeAlice),
        node.online(w.acmeBob)))
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
            node.rest().send(acmeToken, w.publicRoom, "live-1", "public news"),
            node.rest().send(acmeToken, w.privateRoom, "live-2", "private news"),
            node.rest().send(acmeToken, w.dm, "live-3", "dm news"))))
          .compose(v -> node.rest().expect(200, "/conversations/" + w.publicRoom + "/join", carolToken, new JsonObject()))
          .compose(v -> node.rest().expect(200, "/conversations/" + w.publicRoom + "/read", bobToken, new JsonObject().put("seq", 3)))
          .compose(v -> node.rest().expect(200, "/conversations/" + w.privateRoom + "/invite", acmeToken,
            new JsonObject().put("members", new JsonArray().add("carol"))))
          .compose(v -> node.rest().expect(204, "/conversations/" + w.publicRoom + "/leave", carolToken, new JsonObject()))
          .compose(v -> node.rest().createConversation(acmeToken, new JsonObject().put("type", "room").put("name", "late")
            .put("members", new JsonArray().add("bob"))))
          .compose(late -> node.rest().send(acmeToken, late.getString("id"), "live-4", "late news").map(late))
          // acme's own connections prove every event was delivered before we look at globex.
          .compose(late -> Future.all(List.of(
              acmeBob.awaitMessages(w.publicRoom, 1), acmeBob.awaitMessages(w.privateRoom, 1), acmeBob.awaitMessages(w.dm, 1),
              acmeBob.awaitMessages(late.getString("id"), 1),
              acmeAlice.awaitEvents(e -> "member.left".equals(e.getString("type")), 1),
              acmeAlice.awaitEvents(e -> "read".equals(e.getString("type")), 1),
              acmeAlice.awaitEvents(e -> "member.joined".equals(e.getString("type")), 2)))
            .map(late))
          // Meanwhile globex talks in its own room: acme must not hear that either.
          .compose(late -> node.rest().createConversation(w.gina.getString("accessToken"), new JsonObject().put("type", "room")
              .put("name", "globex-only").put("members", new JsonArray().add("alice")))
            .compose(globexRoom -> node.rest().send(w.gina.getString("accessToken"), globexRoom.getString("id"), "g-1", "globex news")
              .compose(sent -> globexAlice.awaitMessages(globexRoom.getString("id"), 1))
              .compose(seen -> node.vertx().timer(500))
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

}
