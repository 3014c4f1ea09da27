package io.parley.protection;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfTwo;
import io.parley.testing.XhrSession;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().withMetrics()
    .with(new JsonObject().put("limits", new JsonObject().put("client_queue_bytes", 256 * 1024)));

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"raw websocket", "sockjs websocket"})
  void a_client_that_stops_reading_is_closed_and_one_that_reads_gets_everything(String transport) throws Exception {
    RoomOfTwo room = await(RoomOfTwo.create(node.rest(), "flood"));
    BridgeClient bob = await(transport.startsWith("raw") ? node.bridge() : node.clients().session(node.port()));
    await(bob.register(room.bob()));
    bob.pause();
    BridgeClient alice = await(node.online(room.alice()));
    flood(alice, room.roomId(), MESSAGES, 2);

    bob.resume();
    short code = await(bob.closedFuture(), 30);
    assertEquals(4001, code, "the stalled client is closed as too slow");
    assertTrue(bob.messages(room.roomId()).size() < MESSAGES,
      "the stalled client was cut off, not fed everything: " + bob.messages(room.roomId()).size());
    assertEquals(1, node.metric("parley_bridge_shed_total"), 0.1, "an operator sees the shed client");
    assertQueueDrained();
  }

  /** After a shed, nothing stays counted as queued (a closed SockJS session drops writes without completing them). */
  private void assertQueueDrained() throws Exception {
    long deadline = System.currentTimeMillis() + 5_000;
    while (node.metric("parley_bridge_queued_bytes") > 0 && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(0, node.metric("parley_bridge_queued_bytes"), 0.1, "the shed client's backlog leaves the gauge");
  }

  /** One answer larger than the whole bound (a page of long messages) reaches a client that reads. */
  @Test
  void one_answer_larger_than_the_bound_reaches_a_client_that_reads() throws Exception {
    RoomOfTwo room = await(RoomOfTwo.create(node.rest(), "long"));
    BridgeClient alice = await(node.online(room.alice()));
    flood(alice, room.roomId(), 40, 2);
    BridgeClient bob = await(node.online(room.bob()));

    JsonObject page = await(bob.request("parley.delivery.history",
      new JsonObject().put("conversationId", room.roomId()).put("limit", 40)));
    assertEquals(40, page.getJsonArray("messages").size());
    assertTrue(page.encode().length() > 256 * 1024, "the answer is larger than client_queue_bytes: " + page.encode().length());
    assertFalse(bob.isClosed(), "a client that reads is not shed for one large answer");
  }

  /**
   * The same over xhr-polling: a client that stops polling is closed rather than buffered for — when it
   * polls again it gets at most the bounded backlog (with the 4001 notice if that was still queued), then
   * SockJS's close frame; not a new session's "o", nor megabytes of frames.
   */
  @Test
  void a_polling_client_that_stops_polling_is_closed() throws Exception {
    RoomOfTwo room = await(RoomOfTwo.create(node.rest(), "flood-polling"));
    XhrSession bob = await(XhrSession.polling(node.vertx(), node.port()));
    await(bob.send(new JsonObject().put("type", "register").put("address", BridgeClient.inboxOf(room.bob()))
      .put("headers", new JsonObject().put("authorization", "Bearer " + room.bob().getString("accessToken")))));
    String ready = "";
    for (int i = 0; i < 20 && !ready.contains("ready"); i++) {
      ready = await(bob.poll());
    }
    assertTrue(ready.contains("ready"), "registered over xhr: " + ready);

    BridgeClient alice = await(node.online(room.alice()));
    // 2.4 MB, fast enough to be over before SockJS's 5 s session timeout would close the session anyway.
    flood(alice, room.roomId(), 300, 8);

    // Polling again gets at most the bounded backlog, ending in the 4001 notice, then SockJS's close.
    String received = pollUntilClosed(bob);
    assertTrue(received.length() < 512 * 1024, "bob was sent the bounded backlog, not 2.4 MB: " + received.length() + " chars");
    List<JsonObject> frames = XhrSession.frames(received);
    assertTrue(frames.stream().noneMatch(f -> "close".equals(f.getString("type")))
        || frames.stream().anyMatch(f -> "close".equals(f.getString("type")) && f.getInteger("code") == 4001),
      "a close notice, if it got through, says 4001");
    await(bob.close());
    assertQueueDrained();
  }

  /**
   * And over xhr-streaming and eventsource: bob stops reading the streaming response. SockJS ends a streaming response
   * after 128 KB and queues the rest for the next request; either way he is closed, not buffered for.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"xhr-streaming", "eventsource"})
  void a_streaming_client_that_stops_reading_is_closed(String transport) throws Exception {
    RoomOfTwo room = await(RoomOfTwo.create(node.rest(), "flood-" + transport));
    XhrSession bob = await(transport.equals("eventsource") ? XhrSession.eventSource(node.vertx(), node.port())
      : XhrSession.streaming(node.vertx(), node.port()));
    await(bob.send(new JsonObject().put("type", "register").put("address", BridgeClient.inboxOf(room.bob()))
      .put("headers", new JsonObject().put("authorization", "Bearer " + room.bob().getString("accessToken")))));
    for (int i = 0; i < 100 && !bob.streamed().contains("ready"); i++) {
      Thread.sleep(50);
    }
    assertTrue(bob.streamed().contains("ready"), "registered over " + transport + ": " + bob.streamed());
    bob.pauseStream();

    BridgeClient alice = await(node.online(room.alice()));
    flood(alice, room.roomId(), 300, 8);
    bob.resumeStream();

    // What is left for bob after the stream: at most the bounded backlog, then SockJS's close.
    String received = pollUntilClosed(bob);
    assertTrue(bob.streamed().length() + received.length() < 768 * 1024,
      "bob was sent a bounded amount, not 2.4 MB: " + (bob.streamed().length() + received.length()) + " chars");
    await(bob.close());
  }

  /** Polls until SockJS's close frame (three polls at most) and returns everything the polls got. */
  private static String pollUntilClosed(XhrSession session) throws Exception {
    StringBuilder received = new StringBuilder();
    String next = "";
    for (int i = 0; i < 3 && !next.startsWith("c["); i++) {
      next = await(session.poll());
      received.append(next);
    }
    assertTrue(next.startsWith("c["), "the session was closed: " + next.substring(0, Math.min(200, next.length())));
    return received.toString();
  }

  /** {@code messages} × 8 KB from {@code sender}; every send acked and every copy back to the sender. */
  private static void flood(BridgeClient sender, String roomId, int messages, int inFlight) throws Exception {
    List<Future<JsonObject>> sends = new ArrayList<>();
    for (int i = 0; i < messages; i++) {
      if (i >= inFlight) {
        await(sends.get(i - inFlight));
      }
      sends.add(sender.send(roomId, "flood-" + i, TEXT));
    }
    await(Future.all(sends));
    assertEquals(messages, await(sender.awaitMessages(roomId, messages)).size(), "the reading client got every message");
  }
}
