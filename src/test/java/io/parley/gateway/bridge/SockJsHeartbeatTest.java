package io.parley.gateway.bridge;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.XhrSession;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * SockJS heartbeats ({@code h}) every {@code http.sockjs_heartbeat_ms}, so a client notices a silently
 * dropped network within a few intervals: on the WebSocket transport (Parley's own, {@link SockJsWebSocket})
 * and on the HTTP ones (vertx-web's sessions), with no bridge traffic at all.
 */
class SockJsHeartbeatTest {

  private static final long INTERVAL_MS = 500;

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess()
    .with(new JsonObject().put("http", new JsonObject().put("sockjs_heartbeat_ms", INTERVAL_MS)));

  @Test
  void a_sockjs_websocket_session_gets_heartbeats_every_interval() throws Exception {
    WebSocketClient client = node.clients().vertx().createWebSocketClient();
    BlockingQueue<String> received = new LinkedBlockingQueue<>();
    // Set before connecting: SockJS's "o" follows the upgrade at once.
    ClientWebSocket socket = client.webSocket();
    socket.textMessageHandler(received::offer);
    try {
      await(socket.connect(BridgeClient.to(node.port(), BridgeClient.sessionPath() + "/websocket")));
      assertEquals("o", received.poll(10, TimeUnit.SECONDS), "SockJS opens first");
      long opened = System.nanoTime();
      for (int i = 1; i <= 3; i++) {
        String next = received.poll(2 * INTERVAL_MS, TimeUnit.MILLISECONDS);
        assertEquals("h", next, "heartbeat " + i + " within two intervals of the one before");
      }
      long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - opened);
      assertTrue(elapsedMs >= 3 * INTERVAL_MS - 100, "heartbeats are spaced by the interval, not sent in a burst: " + elapsedMs + " ms");
    } finally {
      await(client.close());
    }
  }

  @Test
  void an_xhr_streaming_session_gets_heartbeats_every_interval() throws Exception {
    XhrSession session = await(XhrSession.streaming(node.vertx(), node.port()));
    try {
      assertEquals("o", session.lines().poll(10, TimeUnit.SECONDS), "SockJS opens first");
      String next = session.lines().poll(2 * INTERVAL_MS, TimeUnit.MILLISECONDS);
      assertNotNull(next, "a heartbeat within two intervals");
      assertEquals("h", next);
    } finally {
      await(session.close());
    }
  }
}
