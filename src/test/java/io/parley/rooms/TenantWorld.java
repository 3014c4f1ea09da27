package io.parley.rooms;

import io.parley.testing.Rest;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.junit5.VertxTestContext;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.ApiAssertions.bridgeRefused;
import static io.parley.testing.ApiAssertions.refused;
import static io.parley.testing.Async.sequence;
import static io.parley.testing.Async.verify;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two tenants on one node: acme (alice, bob, carol; a public room, a private room and an alice–bob DM,
 * two messages in each) and globex (alice, gina), with a snapshot of acme's data to prove later that
 * nothing changed. Its checks record a violation instead of stopping, so one run reports every one.
 */
final class TenantWorld {

  private final Rest rest;
  final JsonObject acmeAlice;
  final JsonObject acmeBob;
  final JsonObject acmeCarol;
  final JsonObject globexAlice;
  final JsonObject gina;
  String publicRoom;
  String privateRoom;
  String dm;
  Map<String, JsonObject> snapshot;

  private TenantWorld(Rest rest, JsonObject acmeAlice, JsonObject acmeBob, JsonObject acmeCarol, JsonObject globexAlice, JsonObject gina) {
    this.rest = rest;
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

  /** acme: alice, bob, carol with a public room, a private room and an alice–bob DM; globex: alice, gina. */
  static Future<TenantWorld> create(Rest rest) {
    return Future.all(List.of(rest.user("acme", "alice"), rest.user("acme", "bob"), rest.user("acme", "carol"),
        rest.user("globex", "alice"), rest.user("globex", "gina")))
      .compose(users -> {
        TenantWorld w = new TenantWorld(rest, users.resultAt(0), users.resultAt(1), users.resultAt(2), users.resultAt(3), users.resultAt(4));
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
          .compose(v -> w.snapshot())
          .map(snapshot -> {
            w.snapshot = snapshot;
            return w;
          });
      });
  }

  /** History and members of every acme conversation, as acme alice sees them. */
  private Future<Map<String, JsonObject>> snapshot() {
    String token = acmeAlice.getString("accessToken");
    Map<String, JsonObject> state = new LinkedHashMap<>();
    List<Supplier<Future<Void>>> reads = new ArrayList<>();
    for (String id : acmeConversations().values()) {
      reads.add(() -> rest.history(token, id, "after=0").compose(history -> rest.expectGet(200, "/conversations/" + id + "/members", token)
        .compose(members -> rest.expectGet(200, "/conversations/" + id, token).map(conversation -> {
          state.put(id, new JsonObject().put("messages", history.getJsonArray("messages"))
            .put("members", members.getJsonArray("members")).put("lastSeq", conversation.getLong("lastSeq")));
          return null;
        }))));
    }
    return sequence(reads).map(v -> state);
  }

  Future<Void> assertAcmeIntact(List<String> problems) {
    return snapshot().map(now -> {
      for (String id : acmeConversations().values()) {
        JsonObject before = snapshot.get(id);
        JsonObject after = now.get(id);
        if (!before.equals(after)) {
          problems.add("acme conversation " + id + " changed:\n    before " + before.encode() + "\n    after  " + after.encode());
        }
      }
      if (snapshot.get(publicRoom).getJsonArray("messages").size() != 2) {
        problems.add("fixture: expected 2 messages in the public room, found " + snapshot.get(publicRoom));
      }
      return null;
    });
  }

  // ---- checks that record a violation instead of stopping ----

  /** Runs {@code check}; its failure becomes a violation labelled {@code label}. */
  static Future<Void> soft(List<String> problems, String label, Future<?> check) {
    return check.<Void>mapEmpty().recover(err -> {
      problems.add(label + ": " + err.getMessage());
      return Future.succeededFuture();
    });
  }

  static Future<Void> notFound(List<String> problems, String label, Future<HttpResponse<Buffer>> call) {
    return soft(problems, label, refused(call, 404, "CONVERSATION_NOT_FOUND"));
  }

  /** Refused with {@code code}, in an error that names {@code mentioned}. */
  static Future<Void> rejected(List<String> problems, String label, Future<HttpResponse<Buffer>> call,
                               int status, String code, String mentioned) {
    return soft(problems, label, verify(call, response -> {
      assertError(response, status, code);
      assertTrue(response.bodyAsString().contains(mentioned), "error does not name '" + mentioned + "': " + response.bodyAsString());
    }));
  }

  static Future<Void> bridgeFails(List<String> problems, String label, Future<?> request, int failureCode, String code) {
    return soft(problems, label, bridgeRefused(request, failureCode, code));
  }

  /** Completes the test once it ran without violations; fails it listing them all. */
  static <T> Handler<AsyncResult<T>> noViolations(VertxTestContext ctx, List<String> problems) {
    return ctx.succeeding(v -> ctx.verify(() -> {
      assertTrue(problems.isEmpty(), "isolation violations:\n  " + String.join("\n  ", problems));
      ctx.completeNow();
    }));
  }

  static Set<String> ids(JsonArray conversations) {
    return conversations.stream().map(o -> ((JsonObject) o).getString("id")).collect(Collectors.toSet());
  }

  static Set<String> userIds(JsonArray members) {
    return members.stream().map(o -> ((JsonObject) o).getString("userId")).collect(Collectors.toSet());
  }
}
