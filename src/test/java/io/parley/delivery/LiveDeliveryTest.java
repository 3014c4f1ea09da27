package io.parley.delivery;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfTwo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Timeout;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
@Timeout(value = 60, timeUnit = TimeUnit.SECONDS)
class LiveDeliveryTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @Test
  void a_message_reaches_every_connection_of_every_member_once(VertxTestContext ctx) {
    RoomOfTwo.create(node.rest(), "general").compose(room -> {
      JsonObject alice = room.alice();
      return Future.all(node.online(alice), node.online(room.bob()), node.online(room.bob()))
          .compose(clients -> {
            BridgeClient aliceTab = clients.resultAt(0);
            BridgeClient bobPhone = clients.resultAt(1);
            BridgeClient bobLaptop = clients.resultAt(2);
            String id = room.roomId();
            return aliceTab.send(id, "m-1", "hello")
              .compose(ack -> Future.all(aliceTab.awaitMessages(id, 1), bobPhone.awaitMessages(id, 1), bobLaptop.awaitMessages(id, 1))
                .compose(all -> node.vertx().timer(300).map(t -> {
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
          });
    }).onComplete(ctx.succeedingThenComplete());
  }

  /** A send implies its sender's read position: members get the message and no read event per send. */
  @Test
  void a_send_is_one_event_per_member_and_only_an_explicit_read_is_a_read_event(VertxTestContext ctx) {
    RoomOfTwo.create(node.rest(), "general").compose(room -> node.online(room.bob()).compose(bob -> {
      String id = room.roomId();
      String aliceToken = room.alice().getString("accessToken");
      return node.rest().send(aliceToken, id, "m-1", "one")
        .compose(v -> node.rest().send(aliceToken, id, "m-2", "two"))
        .compose(v -> bob.awaitMessages(id, 2))
        .compose(v -> node.rest().expect(200, "/conversations/" + id + "/read", aliceToken, new JsonObject().put("seq", 2)))
        .compose(v -> bob.awaitEvent("read", id))
        .compose(v -> node.vertx().timer(300))
        .map(t -> {
          ctx.verify(() -> {
            // Receipts' "delivered" events come per flush, not per send (ReceiptsTest): not counted here.
            List<String> types = bob.events().stream().filter(e -> id.equals(e.getString("conversationId")))
              .map(e -> e.getString("type")).filter(type -> !"delivered".equals(type)).toList();
            assertEquals(List.of("message", "message", "read"), types);
          });
          return t;
        });
    })).onComplete(ctx.succeedingThenComplete());
  }
}
