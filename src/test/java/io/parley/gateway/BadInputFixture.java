package io.parley.gateway;

import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static io.parley.testing.Async.await;
import static io.parley.testing.Async.verify;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * What bad-input tests attack and then check untouched, on a fresh node per test: alice, a room "kept"
 * holding exactly three messages (one non-ASCII) and a room "scratch" for sends that are meant to succeed.
 * {@code @RegisterExtension final BadInputFixture in = new BadInputFixture();}
 */
final class BadInputFixture implements BeforeEachCallback, AfterEachCallback {

  static final String SEND = "parley.delivery.send";
  static final String HISTORY = "parley.delivery.history";
  static final int MESSAGE_MAX_BYTES = 16384;
  static final int MAX_BODY_BYTES = 65536;

  private final ParleyNodeExtension node = ParleyNodeExtension.inProcess();
  private JsonObject alice;
  private String roomId;
  private String scratchId;
  private JsonObject baseline;

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    node.beforeEach(context);
    await(create(node.rest()));
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    node.afterEach(context);
  }

  private Future<Void> create(Rest rest) {
    return rest.user("acme", "alice").compose(alice -> {
      String token = alice.getString("accessToken");
      return Future.all(
          rest.createConversation(token, new JsonObject().put("type", "room").put("name", "kept")),
          rest.createConversation(token, new JsonObject().put("type", "room").put("name", "scratch")))
        .compose(rooms -> {
          String roomId = rooms.<JsonObject>resultAt(0).getString("id");
          String scratchId = rooms.<JsonObject>resultAt(1).getString("id");
          return rest.send(token, roomId, "keep-1", "first")
            .compose(v -> rest.send(token, roomId, "keep-2", "second: ünïcödé €"))
            .compose(v -> rest.send(token, roomId, "keep-3", "third"))
            .compose(v -> verify(rest.history(token, roomId, "after=0"),
              history -> assertEquals(3, history.getJsonArray("messages").size())))
            .map(history -> {
              this.alice = alice;
              this.roomId = roomId;
              this.scratchId = scratchId;
              this.baseline = history;
              return null;
            });
        });
    });
  }

  ParleyNodeExtension node() {
    return node;
  }

  Rest rest() {
    return node.rest();
  }

  JsonObject alice() {
    return alice;
  }

  String roomId() {
    return roomId;
  }

  String scratchId() {
    return scratchId;
  }

  JsonObject baseline() {
    return baseline;
  }

  String token() {
    return alice.getString("accessToken");
  }

  static String messagesPath(String conversationId) {
    return "/conversations/" + conversationId + "/messages";
  }

  /** The first conversation still holds exactly its 3 original messages. */
  Future<Void> assertIntact() {
    return verify(rest().history(token(), roomId, "after=0"), history -> {
      assertEquals(baseline.getJsonArray("messages"), history.getJsonArray("messages"), "stored messages changed");
      assertFalse(history.getBoolean("hasMore"));
    }).mapEmpty();
  }
}
