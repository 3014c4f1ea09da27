package io.parley.gateway;

import io.parley.testing.NodeScript;
import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The client library {@code @parley/client} (client/src, ES modules) against a real node: two
 * {@code ParleyClient}s in Node, connected over SockJS with the official event-bus client from
 * client/node_modules (scripts/test.sh runs {@code npm ci} there; if it is missing this test fails, it
 * never skips). Proves, end to end, what the library's unit tests prove only against fakes: login and
 * {@code ready} listing the room; live messages shown to the other member once each, by seq, with the
 * sender's outbox going sending → sent; a reconnect's sync bringing exactly the messages missed (no
 * repeats); an edit and a reaction arriving as {@code changed} once each; a send cut off by the sender's
 * own disconnect resent after the reconnect with the same clientMsgId (or found stored by its sync) and stored once (checked in the
 * stored history over REST: each clientMsgId once, seqs 1..n without a gap); and a text over
 * {@code limits.message_max_bytes} failing for good with {@code PAYLOAD_TOO_LARGE}, not retryable, not
 * resent.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ClientLibraryTest {

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @Test
  void two_parley_clients_chat_against_a_running_node() throws Exception {
    assertTrue(Files.exists(Path.of("client/node_modules/@vertx/eventbus-bridge-client.js/package.json")),
      "client/node_modules is missing: run `cd client && npm ci` (scripts/test.sh does) before this test");
    JsonObject r = NodeScript.run("client-library-chat.mjs", 90, Map.of(), node.baseUrl(), "acme");
    String output = r.encode();

    // Both connections' ready lists the room.
    assertEquals(new JsonArray().add(true).add(true), r.getJsonArray("readyHasRoom"), output);

    // Live: bob shows seq 1..3, once each; alice's entries go sending → sent with their seqs.
    assertEquals(new JsonArray().add(1).add(2).add(3), r.getJsonArray("liveSeqs"), output);
    // Sent together, they are stored in send order (the library sends one at a time per conversation).
    JsonArray firstOutbox = r.getJsonArray("firstOutbox");
    for (int i = 0; i < 3; i++) {
      assertEquals(new JsonArray()
          .add(new JsonObject().put("state", "sending"))
          .add(new JsonObject().put("state", "sent").put("seq", i + 1)),
        firstOutbox.getJsonArray(i), "outbox of send " + (i + 1) + ": " + output);
    }

    // Reconnect: the sync brings exactly 4 and 5; bob's whole view has each seq once, in order.
    assertEquals(new JsonArray().add(4).add(5), r.getJsonArray("syncedSeqs"), output);

    // An edit and a reaction reach bob once each, in changeSeq order, and his copies hold them.
    JsonArray changes = r.getJsonArray("changes");
    assertEquals(2, changes.size(), output);
    assertEquals("edited", changes.getJsonObject(0).getString("kind"), output);
    assertEquals(1, changes.getJsonObject(0).getInteger("seq"));
    assertEquals("hello 1 (edited)", changes.getJsonObject(0).getString("text"));
    assertEquals(1, changes.getJsonObject(0).getInteger("changeSeq"));
    assertEquals(2, changes.getJsonObject(1).getInteger("seq"), output);
    assertEquals(2, changes.getJsonObject(1).getInteger("changeSeq"));
    assertEquals(new JsonArray().add("👍x1"), changes.getJsonObject(1).getJsonArray("reactions"), output);
    JsonObject bobView = r.getJsonObject("bobView");
    assertEquals("hello 1 (edited)", bobView.getJsonObject("1").getString("text"), output);
    assertEquals(new JsonArray().add("👍x1"), bobView.getJsonObject("2").getJsonArray("reactions"), output);

    // The cut-off send: failed (retryable) by the disconnect, then sent once, with the same id.
    JsonObject cut = r.getJsonObject("cut");
    String cutId = cut.getString("clientMsgId");
    assertEquals(new JsonObject().put("state", "failed").put("code", "OFFLINE").put("retryable", true),
      cut.getJsonObject("afterDisconnect"), output);
    // Then either resent (sending, sent) or, when the server had stored it before the cut, settled by the
    // reconnect's sync at once (sent): both seen in full runs; never a second copy.
    JsonArray cutStates = cut.getJsonArray("states");
    assertEquals(new JsonObject().put("state", "sending"), cutStates.getJsonObject(0), output);
    assertEquals("failed", cutStates.getJsonObject(1).getString("state"), output);
    for (int i = 2; i < cutStates.size() - 1; i++) {
      assertEquals("sending", cutStates.getJsonObject(i).getString("state"), output);
    }
    assertTrue(cutStates.size() <= 4, "at most one resend: " + output);
    assertEquals(new JsonObject().put("state", "sent").put("seq", 6), cutStates.getJsonObject(cutStates.size() - 1), output);
    assertEquals(1, cut.getInteger("bobCopies"), output);
    assertEquals(new JsonArray().add(1).add(2).add(3).add(4).add(5).add(6), r.getJsonArray("bobSeqs"), output);

    // The permanent refusal stays failed, not retryable, and is not resent.
    JsonObject tooLarge = r.getJsonObject("tooLarge");
    assertEquals("failed", tooLarge.getString("state"), output);
    assertEquals("PAYLOAD_TOO_LARGE", tooLarge.getString("code"), output);
    assertEquals(false, tooLarge.getBoolean("retryable"), output);
    assertEquals(2, tooLarge.getJsonArray("states").size(), "sending, failed: " + output);
    assertEquals(new JsonArray().add(new JsonObject().put("clientMsgId", tooLarge.getString("clientMsgId")).put("state", "failed")),
      r.getJsonArray("pendingAfter"), output);

    // Stored (REST history): six messages, seqs 1..6 without a gap, each clientMsgId once, the cut-off one at 6.
    JsonArray stored = r.getJsonArray("stored");
    assertFalse(r.getBoolean("hasMore"));
    assertEquals(6, stored.size(), output);
    Set<String> ids = new HashSet<>();
    List<String> storedIds = new ArrayList<>();
    for (int i = 0; i < stored.size(); i++) {
      JsonObject m = stored.getJsonObject(i);
      assertEquals(i + 1, m.getInteger("seq"), "gap-free: " + output);
      assertNotNull(m.getString("clientMsgId"));
      assertTrue(ids.add(m.getString("clientMsgId")), "each clientMsgId stored once: " + output);
      storedIds.add(m.getString("clientMsgId"));
    }
    List<String> sent = new ArrayList<>();
    r.getJsonObject("sent").getJsonArray("first").forEach(id -> sent.add((String) id));
    r.getJsonObject("sent").getJsonArray("second").forEach(id -> sent.add((String) id));
    sent.add(cutId);
    assertEquals(sent, storedIds, "stored once each, in send order, the cut-off send last: " + output);

    // Nothing went wrong on the side.
    assertEquals(new JsonArray(), r.getJsonArray("aliceErrors"), output);
    assertEquals(new JsonArray(), r.getJsonArray("bobErrors"), output);
  }
}
