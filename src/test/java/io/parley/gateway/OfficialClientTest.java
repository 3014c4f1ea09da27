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
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two users chat through the official Vert.x event-bus JS client ({@code @vertx/eventbus-bridge-client.js}
 * over sockjs-client, from the npm registry via package-lock.json) running in Node, as a browser would.
 * Edits and deletes too. Node and the npm packages are build prerequisites: if they are missing this test fails, it never skips.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class OfficialClientTest {

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @Test
  void two_users_chat_over_sockjs_with_the_official_client() throws Exception {
    assertTrue(Files.exists(Path.of("node_modules/@vertx/eventbus-bridge-client.js/vertx-eventbus.js")),
      "npm ci must have installed the official client (the Maven build runs it)");
    JsonObject result = NodeScript.run("official-client-chat.cjs", 60,
      Map.of("NODE_PATH", Path.of("node_modules").toAbsolutePath().toString()), node.baseUrl(), "acme");
    String output = result.encode();

    assertEquals(1, result.getInteger("ackSeq"));
    JsonArray received = result.getJsonArray("received");
    assertEquals(1, received.size(), "bob got alice's message exactly once");
    assertEquals("hi bob", received.getJsonObject(0).getString("text"));
    assertEquals("alice", received.getJsonObject(0).getString("from"));
    // The official client reports a refused address on the reply callback, with our stable code.
    JsonObject denied = result.getJsonObject("denied");
    assertEquals(104, denied.getInteger("failureCode"));
    assertTrue(denied.getString("message").startsWith("FORBIDDEN"));

    // Edits and deletes: answered to alice, refused to bob with the stable code, live to bob in order.
    assertEquals("hi bob!", result.getString("edited"));
    assertTrue(result.getBoolean("deleted"), "a tombstone without text: " + output);
    JsonObject notAuthor = result.getJsonObject("notAuthor");
    assertEquals(403, notAuthor.getInteger("failureCode"));
    assertTrue(notAuthor.getString("message").startsWith("NOT_MESSAGE_AUTHOR"), notAuthor.encode());
    assertEquals(new JsonArray()
        .add(new JsonObject().put("changeSeq", 1).put("kind", "edited").put("text", "hi bob!").put("deleted", false))
        .add(new JsonObject().put("changeSeq", 2).put("kind", "deleted").put("deleted", true)),
      result.getJsonArray("changes"));
  }
}
