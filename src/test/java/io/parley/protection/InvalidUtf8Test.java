package io.parley.protection;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfTwo;
import io.parley.testing.XhrSession;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ClientWebSocket;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Bytes that are not UTF-8 are refused on every bridge transport and store nothing: a text message on
 * the raw WebSocket or on SockJS's WebSocket transport fails the connection with 1007 (RFC 6455 §8.1), an
 * {@code xhr_send} answers 400. Before, the bytes {@code ff fe c3 28} inside {@code text} were accepted
 * on each and stored as replacement characters (on the SockJS transports until vertx-web's lenient
 * decoding was taken out of the path). The bad bytes arrive in a continuation frame of an otherwise
 * valid send.
 */
class InvalidUtf8Test {

  private static final byte[] NOT_UTF8 = {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28};

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @Test
  void a_text_message_that_is_not_utf8_closes_the_raw_websocket_with_1007() throws Exception {
    RoomOfTwo room = await(RoomOfTwo.create(node.rest(), "utf8"));
    String[] around = around(sendFrame(room).encode());
    assertEquals((short) 1007, sendInTwoFrames(BridgeClient.RAW_URI, false, around));
    assertNothingStored(room);
  }

  @Test
  void a_sockjs_websocket_message_that_is_not_utf8_closes_with_1007() throws Exception {
    RoomOfTwo room = await(RoomOfTwo.create(node.rest(), "utf8-sockjs"));
    String[] around = around(new JsonArray().add(sendFrame(room).encode()).encode());
    assertEquals((short) 1007, sendInTwoFrames(BridgeClient.sessionPath() + "/websocket", true, around));
    assertNothingStored(room);
  }

  @Test
  void an_xhr_send_that_is_not_utf8_is_refused_with_400() throws Exception {
    RoomOfTwo room = await(RoomOfTwo.create(node.rest(), "utf8-xhr"));
    String[] around = around(new JsonArray().add(sendFrame(room).encode()).encode());
    XhrSession session = await(XhrSession.polling(node.vertx(), node.port()));
    XhrSession.Answer answer = await(session.post("/xhr_send", "text/plain",
      Buffer.buffer(around[0]).appendBytes(NOT_UTF8).appendString(around[1])));
    assertEquals(400, answer.status(), answer.body());
    assertEquals("BAD_JSON", new JsonObject(answer.body()).getJsonObject("error").getString("code"));
    assertNothingStored(room);
    await(session.close());
  }

  /** A valid send whose text is a placeholder, for the invalid bytes to take its place. */
  private static JsonObject sendFrame(RoomOfTwo room) {
    return new JsonObject().put("type", "send").put("address", BridgeClient.SEND).put("replyAddress", "r-1")
      .put("headers", new JsonObject().put("authorization", "Bearer " + room.alice().getString("accessToken")))
      .put("body", new JsonObject().put("conversationId", room.roomId()).put("clientMsgId", "bad-utf8").put("text", "PLACEHOLDER"));
  }

  private static String[] around(String encoded) {
    int cut = encoded.indexOf("PLACEHOLDER");
    return new String[] {encoded.substring(0, cut), encoded.substring(cut + "PLACEHOLDER".length())};
  }

  /** One text message: the head in a first frame, the bad bytes and the tail in a continuation; the close code. */
  private short sendInTwoFrames(String uri, boolean sockJs, String[] around) throws Exception {
    WebSocketClient client = node.clients().vertx().createWebSocketClient();
    Promise<Short> closed = Promise.promise();
    Promise<Void> opened = Promise.promise();
    // Handlers set before connecting: SockJS's "o" follows the upgrade at once.
    ClientWebSocket socket = client.webSocket();
    socket.textMessageHandler(text -> {
      if (text.equals("o")) {
        opened.tryComplete();
      }
    });
    socket.closeHandler(v -> closed.tryComplete(socket.closeStatusCode()));
    WebSocket ws = await(socket.connect(BridgeClient.to(node.port(), uri)));
    if (sockJs) {
      await(opened.future(), 10);
    }
    await(ws.writeFrame(WebSocketFrame.textFrame(around[0], false)));
    await(ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer().appendBytes(NOT_UTF8).appendString(around[1]), true)));
    try {
      return await(closed.future(), 10);
    } finally {
      await(client.close());
    }
  }

  private void assertNothingStored(RoomOfTwo room) throws Exception {
    JsonObject conversation = await(node.rest().expectGet(200, "/conversations/" + room.roomId(), room.bob().getString("accessToken")));
    assertEquals(0L, conversation.getLong("lastSeq"), "nothing was stored");
  }
}
