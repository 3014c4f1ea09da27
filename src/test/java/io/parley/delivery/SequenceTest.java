package io.parley.delivery;

import io.parley.testing.BridgeClient;
import io.parley.testing.Rest;
import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.Future;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sequence numbers under concurrency: many senders in one room, over REST and the bridge at once, must
 * get the numbers 1..n with no gap and no duplicate, and history must show exactly what was acked.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, timeUnit = TimeUnit.SECONDS)
class SequenceTest {

  private static final int USERS = 20;
  private static final int PER_USER = 10;
  private static final int TOTAL = USERS * PER_USER;

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().manual();

  private Rest rest;
  private WebClient sendClient;
  private final List<BridgeClient> clients = new ArrayList<>();

  @Test
  void concurrent_senders_get_every_seq_once_without_gaps(VertxTestContext ctx) {
    run(ctx, new JsonObject());
  }

  @Test
  void competing_delivery_instances_still_assign_every_seq_once_without_gaps(VertxTestContext ctx) {
    run(ctx, new JsonObject().put("node", new JsonObject().put("verticles", new JsonObject().put("delivery", 4))));
  }

  /** A sent message: who sent it, over what, and the ack it got. */
  private record Sent(String senderId, String clientMsgId, String text, boolean overRest, JsonObject ack) {
  }

  private void run(VertxTestContext ctx, JsonObject overrides) {
    node.start(overrides).compose(started -> {
      rest = node.rest();
      // Enough connections that the REST half really arrives concurrently rather than 5 at a time.
      sendClient = node.clients().web(new WebClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(node.port()),
        new PoolOptions().setHttp1MaxSize(USERS));
      List<Future<JsonObject>> registrations = new ArrayList<>();
      for (int i = 0; i < USERS; i++) {
        registrations.add(rest.user("acme", "user" + i));
      }
      return Future.all(registrations).map(all -> registrations.stream().map(Future::result).toList());
    }).compose(users -> {
      JsonArray others = new JsonArray();
      users.subList(1, USERS).forEach(u -> others.add(u.getString("username")));
      return rest.createConversation(users.get(0).getString("accessToken"),
          new JsonObject().put("type", "room").put("name", "race").put("members", others))
        .compose(room -> {
          List<Future<BridgeClient>> online = users.stream()
            .map(node::online).toList();
          return Future.all(online).map(all -> {
            online.forEach(f -> clients.add(f.result()));
            return room.getString("id");
          });
        })
        .compose(roomId -> sendAll(users, roomId)
          .compose(sent -> rest.history(users.get(0).getString("accessToken"), roomId, "after=0&limit=" + TOTAL)
            .map(history -> {
              ctx.verify(() -> verify(sent, history));
              return history;
            })));
    }).onComplete(ctx.succeedingThenComplete());
  }

  /** Starts all 200 sends before any completes: per user, even ones over REST, odd ones over the bridge. */
  private Future<List<Sent>> sendAll(List<JsonObject> users, String roomId) {
    List<Future<Sent>> sends = new ArrayList<>();
    for (int u = 0; u < USERS; u++) {
      JsonObject user = users.get(u);
      BridgeClient bridge = clients.get(u);
      for (int k = 0; k < PER_USER; k++) {
        String clientMsgId = "u" + u + "-m" + k;
        String text = "message " + k + " from user" + u;
        String senderId = user.getString("userId");
        if (k % 2 == 0) {
          sends.add(sendClient.post("/api/conversations/" + roomId + "/messages")
            .bearerTokenAuthentication(user.getString("accessToken"))
            .sendJsonObject(new JsonObject().put("clientMsgId", clientMsgId).put("text", text))
            .compose(response -> Rest.check(response, 201))
            .map(ack -> new Sent(senderId, clientMsgId, text, true, ack)));
        } else {
          sends.add(bridge.send(roomId, clientMsgId, text)
            .map(ack -> new Sent(senderId, clientMsgId, text, false, ack)));
        }
      }
    }
    return Future.all(sends).map(all -> sends.stream().map(Future::result).toList());
  }

  private static void verify(List<Sent> sent, JsonObject history) {
    assertEquals(TOTAL, sent.size());

    // Every ack carries a seq, is for the message sent, and none is flagged as a replay.
    Map<String, Sent> byClientMsgId = new HashMap<>();
    List<Long> ackedSeqs = new ArrayList<>();
    for (Sent s : sent) {
      JsonObject ack = s.ack();
      Long seq = ack.getLong("seq");
      assertNotNull(seq, "ack without seq for " + s.clientMsgId() + ": " + ack);
      assertNotNull(ack.getString("id"), "ack without id: " + ack);
      assertEquals(s.clientMsgId(), ack.getString("clientMsgId"));
      assertEquals(s.senderId(), ack.getString("senderId"));
      assertEquals(s.text(), ack.getString("text"));
      if (!s.overRest()) {
        assertEquals(Boolean.FALSE, ack.getBoolean("duplicate"), "first send acked as duplicate: " + ack);
      }
      ackedSeqs.add(seq);
      byClientMsgId.put(s.clientMsgId(), s);
    }

    // The acked seqs are exactly 1..200: no duplicate, no gap.
    Set<Long> distinct = new TreeSet<>(ackedSeqs);
    assertEquals(TOTAL, distinct.size(), "duplicate seqs were acked: " + duplicates(ackedSeqs));
    Set<Long> expected = new TreeSet<>();
    for (long s = 1; s <= TOTAL; s++) {
      expected.add(s);
    }
    assertEquals(expected, distinct, "acked seqs are not exactly 1.." + TOTAL);

    // History holds exactly those 200, in seq order, each clientMsgId once, matching its ack.
    JsonArray messages = history.getJsonArray("messages");
    assertEquals(TOTAL, messages.size(), "history size");
    assertFalse(history.getBoolean("hasMore"), "nothing beyond the 200");
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < messages.size(); i++) {
      JsonObject message = messages.getJsonObject(i);
      assertEquals(i + 1L, message.getLong("seq"), "history out of order or with a gap at index " + i);
      String clientMsgId = message.getString("clientMsgId");
      assertTrue(seen.add(clientMsgId), "clientMsgId twice in history: " + clientMsgId);
      Sent s = byClientMsgId.get(clientMsgId);
      assertNotNull(s, "history holds a message nobody sent: " + message);
      assertEquals(s.ack().getLong("seq"), message.getLong("seq"), "history seq differs from ack for " + clientMsgId);
      assertEquals(s.ack().getString("id"), message.getString("id"));
      assertEquals(s.senderId(), message.getString("senderId"));
      assertEquals(s.text(), message.getString("text"));
    }
    assertEquals(byClientMsgId.keySet(), seen);
  }

  private static List<Long> duplicates(List<Long> seqs) {
    Set<Long> once = new HashSet<>();
    return seqs.stream().filter(s -> !once.add(s)).sorted().toList();
  }
}
