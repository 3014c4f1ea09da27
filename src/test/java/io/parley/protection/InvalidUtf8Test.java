package io.parley.protection;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RoomOfTwo;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonObject;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A text message that is not UTF-8 fails the raw WebSocket with 1007 (RFC 6455 §8.1) and stores
 * nothing; before, the bytes {@code ff fe c3 28} inside {@code text} were accepted and stored as
 * replacement characters. The bad bytes arrive in a continuation frame of an otherwise valid send.
 */
class InvalidUtf8Test {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @Test
  void a_text_message_that_is_not_utf8_closes_the_raw_websocket_with_1007() throws Exception {
    RoomOfTwo room = await(RoomOfTwo.create(node.rest(), "utf8"));
    WebSocketClient client = node.vertx().createWebSocketClient();
    WebSocket ws = await(client.connect(BridgeClient.to(node.port(), BridgeClient.RAW_URI)));
    Promise<Short> closed = Promise.promise();
    ws.closeHandler(v -> closed.tryComplete(ws.closeStatusCode()));

    String head = new JsonObject().put("type", "send").put("address", BridgeClient.SEND).put("replyAddress", "r-1")
      .put("headers", new JsonObject().put("authorization", "Bearer " + room.alice().getString("accessToken")))
      .put("body", new JsonObject().put("conversationId", room.roomId()).put("clientMsgId", "bad-utf8").put("text", "PLACEHOLDER"))
      .encode();
    int cut = head.indexOf("PLACEHOLDER");
    await(ws.writeFrame(WebSocketFrame.textFrame(head.substring(0, cut), false)));
    await(ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer()
      .appendBytes(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28}).appendString(head.substring(cut + "PLACEHOLDER".length())), true)));

    assertEquals((short) 1007, await(closed.future(), 10));
    JsonObject conversation = await(node.rest().expectGet(200, "/conversations/" + room.roomId(), room.bob().getString("accessToken")));
    assertEquals(0L, conversation.getLong("lastSeq"), "nothing was stored");
    await(client.close());
  }
}
