package io.parley.protection;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfTwo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A client that stops reading is closed with 4001 once 256 KB of events wait for it, on the raw
 * WebSocket and on SockJS's WebSocket transport alike (there the session's own queue never fills: it
 * hands every frame to the WebSocket at once — with {@code writeQueueFull()} as the bound, this test
 * timed out waiting for the close), while a client that reads gets every message. Tried: bob registers
 * and stops reading; alice sends 1,200 messages of 8 KB (~10 MB, more than loopback's socket buffers
 * hold), two at a time, to their room and reads her own copies. The 4001 reaches a SockJS client in
 * the {@code close} frame (SockJS itself closes with 3000).
 */
class SlowConsumerTest {

  private static final int MESSAGES = 1_200;
  private static final String TEXT = "x".repeat(8 * 1024);

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess()
    .with(new JsonObject().put("limits", new JsonObject().put("client_queue_bytes", 256 * 1024)));

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"raw websocket", "sockjs websocket"})
  void a_client_that_stops_reading_is_closed_and_one_that_reads_gets_everything(String transport) throws Exception {
    RoomOfTwo room = await(RoomOfTwo.create(node.rest(), "flood"));
    BridgeClient bob = await(transport.startsWith("raw") ? node.bridge() : node.clients().session(node.port()));
    await(bob.register(room.bob()));
    bob.pause();
    BridgeClient alice = await(node.online(room.alice()));

    int inFlight = 2;
    List<Future<JsonObject>> sends = new ArrayList<>();
    for (int i = 0; i < MESSAGES; i++) {
      if (i >= inFlight) {
        await(sends.get(i - inFlight));
      }
      sends.add(alice.send(room.roomId(), "flood-" + i, TEXT));
    }
    await(Future.all(sends));
    assertEquals(MESSAGES, await(alice.awaitMessages(room.roomId(), MESSAGES)).size(), "the reading client got every message");

    bob.resume();
    short code = await(bob.closedFuture(), 30);
    assertEquals(4001, code, "the stalled client is closed as too slow");
    assertTrue(bob.messages(room.roomId()).size() < MESSAGES,
      "the stalled client was cut off, not fed everything: " + bob.messages(room.roomId()).size());
  }
}
