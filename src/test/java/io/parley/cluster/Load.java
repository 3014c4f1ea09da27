package io.parley.cluster;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Senders posting over REST through nginx at a steady pace, each message with a unique clientMsgId.
 * A failed send (5xx, timeout, connection error) is resent with the same clientMsgId until acked, so
 * every message a sender started is acked exactly once; stopping lets each sender finish its current one.
 * {@link #withChanges()} mixes in changes: senders edit every fourth of their messages (a clientChangeId
 * per edit) and react to another fourth (an emoji per sender), each retried until answered 200.
 */
final class Load {
  final Map<String, Long> acked = new ConcurrentHashMap<>();
  final Map<String, Long> ackedAt = new ConcurrentHashMap<>();
  /** "phase: reason" → count of failed attempts. */
  final Map<String, Integer> failures = new ConcurrentHashMap<>();
  final List<String> fatal = new CopyOnWriteArrayList<>();
  /** clientMsgId → its failed attempts, for messages that needed a resend. */
  final Map<String, List<String>> failedAttempts = new ConcurrentHashMap<>();
  /** messageId → the text its edit set (acked). */
  final Map<String, String> edited = new ConcurrentHashMap<>();
  /** messageId → the emoji its sender put on it (acked). */
  final Map<String, String> reacted = new ConcurrentHashMap<>();
  private boolean changes;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<Thread> threads = new ArrayList<>();
  private final WebClient web;
  private final int port;
  private final String room;
  private final List<JsonObject> senders;
  private volatile String phase = "before";

  Load(Vertx vertx, int port, String room, List<JsonObject> senders) {
    this.web = WebClient.create(vertx);
    this.port = port;
    this.room = room;
    this.senders = senders;
  }

  Load withChanges() {
    changes = true;
    return this;
  }

  void phase(String phase) {
    this.phase = phase;
  }

  void start() {
    for (int s = 0; s < senders.size(); s++) {
      JsonObject sender = senders.get(s);
      String prefix = "s" + s + "-";
      Thread thread = new Thread(() -> run(sender, prefix), "load-" + s);
      thread.setDaemon(true);
      thread.start();
      threads.add(thread);
    }
  }

  private void run(JsonObject sender, String prefix) {
    String token = sender.getString("accessToken");
    try {
      for (int i = 0; running.get(); i++) {
        String clientMsgId = prefix + i;
        JsonObject body = new JsonObject().put("clientMsgId", clientMsgId).put("text", "load message " + clientMsgId);
        JsonObject stored = untilOk(HttpMethod.POST, "/api/conversations/" + room + "/messages", token, body, 201, clientMsgId);
        if (stored == null) {
          return;
        }
        acked.put(clientMsgId, stored.getLong("seq"));
        ackedAt.put(clientMsgId, System.currentTimeMillis());
        String messageId = stored.getString("id");
        if (changes && i % 4 == 1) {
          String text = "edited " + clientMsgId;
          if (untilOk(HttpMethod.PUT, "/api/messages/" + messageId, token,
            new JsonObject().put("text", text).put("clientChangeId", "e-" + clientMsgId), 200, "edit " + clientMsgId) == null) {
            return;
          }
          edited.put(messageId, text);
        } else if (changes && i % 4 == 3) {
          String emoji = ":" + prefix.replace("-", "") + ":";
          if (untilOk(HttpMethod.POST, "/api/messages/" + messageId + "/reactions", token,
            new JsonObject().put("emoji", emoji), 200, "react " + clientMsgId) == null) {
            return;
          }
          reacted.put(messageId, emoji);
        }
        Thread.sleep(20 + ThreadLocalRandom.current().nextInt(20));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The request, repeated as it is until answered {@code status}: its answer, or null after 60 s (noted as fatal). */
  private JsonObject untilOk(HttpMethod method, String path, String token, JsonObject body, int status, String what)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + 60_000;
    while (true) {
      String failure;
      try {
        HttpResponse<Buffer> response = web.request(method, port, "127.0.0.1", path)
          .bearerTokenAuthentication(token).timeout(15_000).sendJsonObject(body)
          .toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        if (response.statusCode() == status) {
          return response.bodyAsJsonObject();
        }
        JsonObject error = safeJson(response.bodyAsString());
        failure = response.statusCode() + " " + (error == null ? "non-JSON" : error.getJsonObject("error", new JsonObject()).getString("code"));
      } catch (ExecutionException e) {
        failure = e.getCause().getClass().getSimpleName();
      } catch (TimeoutException e) {
        failure = "no answer in 20 s";
      }
      failures.merge(phase + ": " + failure, 1, Integer::sum);
      failedAttempts.computeIfAbsent(what, id -> new CopyOnWriteArrayList<>()).add(failure);
      if (System.currentTimeMillis() > deadline) {
        fatal.add(what + " not answered " + status + " within 60 s; last failure " + failure);
        return null;
      }
      Thread.sleep(50);
    }
  }

  void awaitAcked(int count, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (acked.size() < count) {
      assertTrue(System.currentTimeMillis() < deadline, "load started: " + acked.size() + " acked, failures " + failures);
      Thread.sleep(20);
    }
  }

  void stop() throws InterruptedException {
    running.set(false);
    for (Thread thread : threads) {
      thread.join(90_000);
      assertFalse(thread.isAlive(), "sender " + thread.getName() + " finished its last message");
    }
    web.close();
  }

  int failuresIn(String phase) {
    return failures.entrySet().stream().filter(e -> e.getKey().startsWith(phase + ":")).mapToInt(Map.Entry::getValue).sum();
  }

  Set<Long> ackedSeqs() {
    return new TreeSet<>(acked.values());
  }

  private static JsonObject safeJson(String text) {
    try {
      return text == null ? null : new JsonObject(text);
    } catch (RuntimeException e) {
      return null;
    }
  }
}
