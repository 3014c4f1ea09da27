package io.parley.delivery;

import io.parley.testing.BridgeClient;
import io.parley.testing.Rest;
import io.parley.testing.TestNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class LiveDeliveryTest {

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
    node.stop().onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void a_message_reaches_every_connection_of_every_member_once(Vertx vertx, VertxTestContext ctx) {
    Future.all(rest.user("acme", "alice"), rest.user("acme", "bob")).compose(users -> {
      JsonObject alice = users.resultAt(0);
      JsonObject bob = users.resultAt(1);
      return rest.createConversation(alice.getString("accessToken"),
          new JsonObject().put("type", "room").put("name", "general").put("members", new JsonArray().add("bob")))
        .compose(room -> Future.all(
            BridgeClient.online(vertx, node.port(), alice),
            BridgeClient.online(vertx, node.port(), bob),
            BridgeClient.online(vertx, node.port(), bob))
          .compose(clients -> {
            BridgeClient aliceTab = clients.resultAt(0);
            BridgeClient bobPhone = clients.resultAt(1);
            BridgeClient bobLaptop = clients.resultAt(2);
            String id = room.getString("id");
            return aliceTab.request("parley.delivery.send",
                new JsonObject().put("conversationId", id).put("clientMsgId", "m-1").put("text", "hello"))
              .compose(ack -> Future.all(aliceTab.awaitMessages(id, 1), bobPhone.awaitMessages(id, 1), bobLaptop.awaitMessages(id, 1))
                .compose(all -> vertx.timer(300).map(t -> {
                  ctx.verify(() -> {
                    assertEquals(1L, ack.getLong("seq"));
                    assertFalse(ack.getBoolean("duplicate"));
                    for (BridgeClient client : List.of(aliceTab, bobPhone, bobLaptop)) {
                      List<JsonObject> messages = client.events().stream().filter(e -> "message".equals(e.getString("type"))).toList();
                      assertEquals(1, messages.size(), "exactly one copy per connection");
                      JsonObject message = messages.get(0).getJsonObject("message");
                      assertEquals("hello", message.getString("text"));
                      assertEquals(1L, message.getLong("seq"));
                      assertEquals(alice.getString("userId"), message.getString("senderId"));
                    }
                    assertTrue(aliceTab.protocolErrors().isEmpty());
                  });
                  return all;
                })));
          }));
    }).onComplete(ctx.succeedingThenComplete());
  }
}
