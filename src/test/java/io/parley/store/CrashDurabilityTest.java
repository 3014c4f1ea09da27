package io.parley.store;

import io.parley.testing.NodeProcess;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An ack means durably stored, on the embedded store too: nodes in their own JVMs are killed with
 * kill -9 right after (and while) acking, restarted on the same data directory, and every acked
 * message must be there, numbered without gaps. Also a clean SIGTERM restart keeps data and tokens.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CrashDurabilityTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.childJvm();

  @Test
  void every_acked_message_survives_kill_9_right_after_the_ack() throws Exception {
    Rest rest = node.rest();
    JsonObject alice = await(rest.user("acme", "alice"));
    String token = alice.getString("accessToken");
    String room = await(rest.createConversation(token, new JsonObject().put("type", "room").put("name", "durable"))).getString("id");

    for (int i = 1; i <= 100; i++) {
      JsonObject ack = await(rest.send(token, room, "m-" + i, "message " + i));
      assertEquals(i, ack.getLong("seq"));
    }
    node.process().kill();

    await(node.restart());
    Rest again = node.rest();
    // The signing secret persisted too: the token issued before the crash is still accepted.
    JsonObject page = await(again.history(token, room, "after=0&limit=200"));
    JsonArray messages = page.getJsonArray("messages");
    assertEquals(100, messages.size(), "all 100 acked messages are stored");
    for (int i = 0; i < 100; i++) {
      assertEquals(i + 1, messages.getJsonObject(i).getLong("seq"));
      assertEquals("message " + (i + 1), messages.getJsonObject(i).getString("text"));
    }
  }

  @Test
  void kill_9_under_concurrent_load_loses_no_acked_message_and_leaves_no_gap() throws Exception {
    Rest rest = node.rest();
    JsonObject alice = await(rest.user("acme", "alice"));
    String token = alice.getString("accessToken");
    String room = await(rest.createConversation(token, new JsonObject().put("type", "room").put("name", "load"))).getString("id");

    Map<String, Long> acked = new ConcurrentHashMap<>();
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> senders = new ArrayList<>();
    for (int s = 0; s < 4; s++) {
      int sender = s;
      Thread thread = new Thread(() -> {
        for (int i = 0; running.get() && i < 10_000; i++) {
          String id = "s" + sender + "-" + i;
          try {
            JsonObject ack = rest.send(token, room, id, "text " + id).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            acked.put(id, ack.getLong("seq"));
          } catch (Exception failedBecauseKilled) {
            return;
          }
        }
      });
      thread.start();
      senders.add(thread);
    }
    while (acked.size() < 150) {
      Thread.sleep(10);
    }
    node.process().kill();
    running.set(false);
    for (Thread thread : senders) {
      thread.join(30_000);
    }
    int ackedBeforeKill = acked.size();

    await(node.restart());
    Rest again = node.rest();
    Map<Long, JsonObject> stored = await(again.allMessages(token, room));
    System.out.printf("kill -9 under load: %d acked before the kill, %d stored after restart%n", ackedBeforeKill, stored.size());
    Set<String> storedIds = ConcurrentHashMap.newKeySet();
    stored.values().forEach(m -> storedIds.add(m.getString("clientMsgId")));
    for (Map.Entry<String, Long> ack : acked.entrySet()) {
      assertTrue(storedIds.contains(ack.getKey()), "acked message " + ack.getKey() + " was lost");
      assertEquals(ack.getValue(), stored.get(ack.getValue()) == null ? null : stored.get(ack.getValue()).getLong("seq"));
    }
    long expected = 1;
    for (Long seq : stored.keySet()) {
      assertEquals(expected++, seq, "sequence numbers have no gap after the crash");
    }
    // Resending an acked-or-not message after the crash stores it once: dedup survives restarts.
    String probe = acked.keySet().iterator().next();
    JsonObject resent = await(again.send(token, room, probe, "text " + probe));
    assertEquals(acked.get(probe), resent.getLong("seq"));
  }

  @Test
  void a_clean_restart_keeps_accounts_conversations_history_and_tokens() throws Exception {
    Rest rest = node.rest();
    JsonObject alice = await(rest.user("acme", "alice"));
    JsonObject bob = await(rest.user("acme", "bob"));
    String dm = await(rest.createConversation(alice.getString("accessToken"),
      new JsonObject().put("type", "dm").put("members", new JsonArray().add("bob")))).getString("id");
    await(rest.send(alice.getString("accessToken"), dm, "a-1", "before restart"));
    int exit = node.process().terminate();
    assertTrue(exit == 0 || exit == 143, "SIGTERM ends the node normally, got exit " + exit);

    await(node.restart());
    Rest again = node.rest();
    JsonObject login = await(again.expect(200, "/auth/login", null,
      new JsonObject().put("tenant", "acme").put("username", "bob").put("password", Rest.PASSWORD)));
    JsonObject refreshed = await(again.expect(200, "/auth/refresh", null,
      new JsonObject().put("refreshToken", bob.getString("refreshToken"))));
    assertTrue(refreshed.getString("accessToken").length() > 20);
    JsonArray list = await(again.expectGet(200, "/conversations", login.getString("accessToken"))).getJsonArray("conversations");
    assertEquals(1, list.size());
    assertEquals(dm, list.getJsonObject(0).getString("id"));
    assertEquals(1, list.getJsonObject(0).getLong("unread"));
    JsonArray history = await(again.history(bob.getString("accessToken"), dm, "")).getJsonArray("messages");
    assertEquals("before restart", history.getJsonObject(0).getString("text"));
  }

  @Test
  void a_second_node_on_the_same_data_directory_is_refused_with_a_clear_message() throws Exception {
    NodeProcess second = node.newProcess();
    AssertionError refused = org.junit.jupiter.api.Assertions.assertThrows(AssertionError.class, second::start);
    String output = java.nio.file.Files.readString(second.log());
    assertTrue(refused.getMessage().contains("exited with 2"), refused.getMessage());
    assertTrue(output.contains("config mongo.embedded.data_dir:") && output.contains("in use by another process"), output);
    assertTrue(!output.contains("\tat "), "no stack trace: " + output);
  }
}
