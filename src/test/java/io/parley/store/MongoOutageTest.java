package io.parley.store;

import io.parley.testing.Async;
import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.parley.testing.StoreProcess;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The store goes away under a node while clients send over REST and the bridge: the store in its own
 * JVM ({@link StoreProcess}) is killed with kill -9 and started again on the same port and data, then
 * frozen with SIGSTOP and continued (the port stays open; nothing answers). Meanwhile every send and read is answered within
 * {@link #BOUND_MS} (well under {@code http.request_timeout_ms}), as an ack or SERVICE_UNAVAILABLE —
 * never an ack while the store is gone, never a 500, a TIMEOUT or silence, no stack trace in the
 * node's log — and {@code /health/detailed} says mongo is DOWN. Once the store is back, with the node
 * still running, resends with the same clientMsgId are acked, every acked message is stored once with
 * the seq it was acked with, seqs have no gap, and reads work again. Prints a "MONGO OUTAGE" line per
 * outage. Seen failing before the store's timeouts were configurable and queued work failed fast: sends
 * queued behind a failing one got 504/109 TIMEOUT after 10 s, and with the store frozen nothing was
 * answered until it continued (8 s and more), with a 500 from /health/detailed.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MongoOutageTest {

  /**
   * Every answer, during the outage too, well before the 10 s request timeout would answer TIMEOUT. A read
   * that meets a frozen store waits out the socket timeout (2 s) twice, since the driver retries a read
   * once after a network error: ~4 s, and 6 s was seen with the whole suite running on 2 cores.
   */
  private static final long BOUND_MS = 8_000;
  /** Long enough for several store timeouts in a row, and the driver's monitor to notice. */
  private static final long OUTAGE_MS = 6_000;
  private static final int BURST = 4;

  @RegisterExtension
  @Order(1)
  final StoreProcess store = new StoreProcess();

  @RegisterExtension
  @Order(2)
  final ParleyNodeExtension node = ParleyNodeExtension.childJvm()
    .with(() -> new JsonObject().put("mongo", new JsonObject().put("connection_string", store.connectionString())));

  /** Every send tried (clientMsgId → its ack, once acked), across both outages. */
  private final Map<String, Answer> acks = new HashMap<>();
  private final Set<String> tried = new HashSet<>();

  /** Two outages in a row on one node and store: each must be met the same way, and recovered from in place. */
  @Test
  void store_killed_then_restarted_and_frozen_then_continued() throws Exception {
    Rest rest = node.rest();
    Map<String, JsonObject> users = await(rest.users("acme", "alice", "bob"));
    String alice = users.get("alice").getString("accessToken");
    String room = await(rest.createConversation(alice, new JsonObject().put("type", "room").put("name", "outage")
      .put("members", new JsonArray().add("bob")))).getString("id");
    BridgeClient bob = await(node.online(users.get("bob")));

    outage("killed", store::kill, store::start, rest, alice, bob, room);
    outage("frozen", store::freeze, store::thaw, rest, alice, bob, room);
  }

  private interface Step {
    void run() throws Exception;
  }

  /** One answer the node gave: what was asked, when, how long it took, and the code (ACK/OK or the error's). */
  private record Answer(String what, String clientMsgId, long startedAt, long answeredAt, String outcome, Long seq, boolean duplicate) {
    long millis() {
      return answeredAt - startedAt;
    }
  }

  private void outage(String kind, Step down, Step up, Rest rest, String alice, BridgeClient bob, String room) throws Exception {
    String prefix = kind.substring(0, 1);
    List<Answer> answers = Collections.synchronizedList(new ArrayList<>());
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> clients = List.of(
      loop(running, 20, i -> answers.add(restSend(rest, alice, room, prefix + "-r-" + i))),
      loop(running, 20, i -> answers.addAll(bridgeSends(bob, room,
        IntStream.range(0, BURST).mapToObj(k -> prefix + "-b-" + i + "-" + k).toList()))),
      loop(running, 100, i -> answers.add(read(rest, "/conversations/" + room + "/messages?limit=20", alice))),
      loop(running, 100, i -> answers.add(read(rest, "/conversations", alice))));

    Thread.sleep(1_000);
    down.run();
    long downAt = System.currentTimeMillis();
    Thread.sleep(1_000);
    JsonObject healthEarly = health();
    Thread.sleep(OUTAGE_MS - 1_000 - (System.currentTimeMillis() - downAt));
    JsonObject healthLate = health();
    long upAt = System.currentTimeMillis();
    up.run();
    long backAt = System.currentTimeMillis();
    Thread.sleep(2_000);
    running.set(false);
    for (Thread client : clients) {
      client.join(30_000);
    }

    // Resend whatever was not acked, with the same clientMsgId, as a client does.
    List<Answer> sends = answers.stream().filter(a -> a.clientMsgId() != null).toList();
    sends.forEach(a -> {
      tried.add(a.clientMsgId());
      if (a.outcome().equals("ACK")) {
        acks.put(a.clientMsgId(), a);
      }
    });
    List<Answer> resends = new ArrayList<>();
    for (String id : tried.stream().filter(id -> id.startsWith(prefix)).sorted().toList()) {
      for (int attempt = 0; !acks.containsKey(id) && attempt < 10; attempt++) {
        Answer resent = id.contains("-r-") ? restSend(rest, alice, room, id) : bridgeSends(bob, room, List.of(id)).get(0);
        resends.add(resent);
        if (resent.outcome().equals("ACK")) {
          acks.put(id, resent);
        } else {
          Thread.sleep(300);
        }
      }
    }
    JsonObject healthAfter = health();
    Answer readAfter = read(rest, "/conversations", alice);

    // What the store holds.
    TreeMap<Long, JsonObject> stored = await(rest.allMessages(alice, room));

    List<Answer> all = new ArrayList<>(answers);
    all.addAll(resends);
    List<Answer> duringOutage = all.stream().filter(a -> a.startedAt() >= downAt && a.answeredAt() <= upAt).toList();
    long slowestDuring = duringOutage.stream().mapToLong(Answer::millis).max().orElse(-1);
    Answer slowest = all.stream().max((a, b) -> Long.compare(a.millis(), b.millis())).orElseThrow();
    long firstAckAfterUp = all.stream().filter(a -> a.outcome().equals("ACK") && a.startedAt() >= upAt)
      .mapToLong(a -> a.answeredAt() - backAt).min().orElse(-1);
    long duplicates = resends.stream().filter(Answer::duplicate).count();
    System.out.printf("MONGO OUTAGE (%s, %d ms): answers %s; during the outage %s (rest sends %d, bridge sends %d, reads %d),"
        + " slowest %d ms (of all: %d ms, %s %s); health %s/%s then %s; after recovery: first ack %d ms after the store"
        + " returned, %d resends (%s; %d were stored already: duplicate), %d ids acked, %d stored, seqs 1..%d%n",
      kind, upAt - downAt, byOutcome(all), byOutcome(duringOutage),
      duringOutage.stream().filter(a -> a.what().equals("rest send")).count(),
      duringOutage.stream().filter(a -> a.what().equals("bridge send")).count(),
      duringOutage.stream().filter(a -> a.what().startsWith("read")).count(),
      slowestDuring, slowest.millis(), slowest.what(), slowest.outcome(),
      healthEarly.getInteger("status"), mongoStatus(healthEarly), mongoStatus(healthAfter) + "/" + healthAfter.getInteger("status"),
      firstAckAfterUp, resends.size(), byOutcome(resends), duplicates, acks.size(), stored.size(), stored.isEmpty() ? 0 : stored.lastKey());

    List<Answer> wrong = all.stream().filter(a -> !Set.of("ACK", "OK", "SERVICE_UNAVAILABLE").contains(a.outcome())).toList();
    assertTrue(wrong.isEmpty(), "only acks and SERVICE_UNAVAILABLE, never a 500, TIMEOUT or silence: " + wrong);
    List<Answer> slow = all.stream().filter(a -> a.millis() > BOUND_MS).toList();
    assertTrue(slow.isEmpty(), "every answer within " + BOUND_MS + " ms: " + slow);
    List<Answer> ackedWhileDown = duringOutage.stream().filter(a -> !a.outcome().equals("SERVICE_UNAVAILABLE")).toList();
    assertTrue(ackedWhileDown.isEmpty(), "nothing acked or read while the store is gone: " + ackedWhileDown);
    assertTrue(duringOutage.stream().filter(a -> a.what().equals("rest send")).count() >= 1
        && duringOutage.stream().filter(a -> a.what().equals("bridge send")).count() >= BURST
        && duringOutage.stream().filter(a -> a.what().startsWith("read /conversations/")).count() >= 1
        && duringOutage.stream().filter(a -> a.what().equals("read /conversations")).count() >= 1,
      "the outage was met by sends and reads on both channels: " + byOutcome(duringOutage));
    for (JsonObject health : List.of(healthEarly, healthLate)) {
      assertEquals(503, health.getInteger("status"), "health during the outage: " + health);
      assertEquals("DOWN", mongoStatus(health), "mongo DOWN during the outage: " + health);
      assertTrue(health.getLong("ms") <= BOUND_MS, "health answers in time: " + health);
    }
    assertEquals(200, healthAfter.getInteger("status"), "health after: " + healthAfter);
    assertTrue(firstAckAfterUp >= 0, "sends are acked again once the store is back, without restarting the node");
    assertEquals("OK", readAfter.outcome(), "reads work again: " + readAfter);
    assertEquals(tried, acks.keySet(), "every message is acked after resending with its clientMsgId");

    Map<String, Long> storedSeqs = new HashMap<>();
    long expected = 1;
    for (Map.Entry<Long, JsonObject> entry : stored.entrySet()) {
      assertEquals(expected++, entry.getKey(), "seqs have no gap");
      Long twice = storedSeqs.put(entry.getValue().getString("clientMsgId"), entry.getKey());
      assertEquals(null, twice, "stored once: " + entry.getValue());
    }
    assertEquals(acks.keySet(), storedSeqs.keySet(), "exactly the acked messages are stored");
    for (Answer ack : acks.values()) {
      assertEquals(storedSeqs.get(ack.clientMsgId()), ack.seq(), "acked with the seq it is stored at: " + ack);
    }
    String log = Files.readString(node.process().log());
    List<String> bad = log.lines().filter(line -> line.contains(" ERROR ") || line.startsWith("\tat ")).limit(20).toList();
    assertTrue(bad.isEmpty(), "no error or stack trace in the node's log:\n" + String.join("\n", bad));
  }

  private static Answer restSend(Rest rest, String token, String room, String clientMsgId) {
    return answer("rest send", clientMsgId, () -> rest.post("/conversations/" + room + "/messages", token,
      new JsonObject().put("clientMsgId", clientMsgId).put("text", "text " + clientMsgId)), 201);
  }

  private static Answer read(Rest rest, String path, String token) {
    return answer("read " + path.replaceAll("\\?.*", ""), null, () -> rest.get(path, token), 200);
  }

  private static Answer answer(String what, String clientMsgId, Supplier<Future<HttpResponse<Buffer>>> call, int success) {
    long started = System.currentTimeMillis();
    try {
      HttpResponse<Buffer> response = call.get().toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
      long answered = System.currentTimeMillis();
      if (response.statusCode() == success) {
        JsonObject body = response.bodyAsJsonObject();
        return clientMsgId == null ? new Answer(what, null, started, answered, "OK", null, false)
          : new Answer(what, clientMsgId, started, answered, "ACK", body.getLong("seq"), body.getBoolean("duplicate", false));
      }
      String code = response.statusCode() + " " + response.bodyAsString();
      try {
        JsonObject error = response.bodyAsJsonObject().getJsonObject("error");
        if (error != null && !error.getString("message", "").contains("Exception")) {
          code = response.statusCode() == 503 ? error.getString("code") : response.statusCode() + " " + error.getString("code");
        }
      } catch (RuntimeException notJson) {
        // reported with its raw body
      }
      return new Answer(what, clientMsgId, started, answered, code, null, false);
    } catch (Exception e) {
      return new Answer(what, clientMsgId, started, System.currentTimeMillis(), "NO_ANSWER " + e, null, false);
    }
  }

  /** Sends at once on one connection, as a client with several queued does; an answer each. */
  private static List<Answer> bridgeSends(BridgeClient bridge, String room, List<String> ids) {
    long started = System.currentTimeMillis();
    List<Future<JsonObject>> replies = ids.stream().map(id -> bridge.request(BridgeClient.SEND,
      BridgeClient.message(room, id, "text " + id), 15_000)).toList();
    List<Answer> answers = new ArrayList<>();
    for (int k = 0; k < ids.size(); k++) {
      String id = ids.get(k);
      try {
        JsonObject ack = replies.get(k).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
        answers.add(new Answer("bridge send", id, started, System.currentTimeMillis(), "ACK", ack.getLong("seq"),
          ack.getBoolean("duplicate", false)));
      } catch (Exception e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        String outcome = cause instanceof BridgeClient.BridgeError error
          ? (error.failureCode() == 108 ? error.code() : error.failureCode() + " " + error.getMessage())
          : "NO_ANSWER " + cause.getMessage();
        answers.add(new Answer("bridge send", id, started, System.currentTimeMillis(), outcome, null, false));
      }
    }
    return answers;
  }

  private interface Iteration {
    void run(int i) throws Exception;
  }

  private static Thread loop(AtomicBoolean running, long pauseMs, Iteration iteration) {
    Thread thread = new Thread(() -> {
      for (int i = 0; running.get(); i++) {
        try {
          iteration.run(i);
          Thread.sleep(pauseMs);
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }, "outage-client");
    thread.start();
    return thread;
  }

  private JsonObject health() throws Exception {
    long started = System.currentTimeMillis();
    HttpResponse<Buffer> response = Async.await(node.clients().web().get(node.port(), "127.0.0.1", "/health/detailed").send(), 15);
    return new JsonObject().put("status", response.statusCode()).put("ms", System.currentTimeMillis() - started)
      .put("body", response.bodyAsJsonObject());
  }

  private static String mongoStatus(JsonObject health) {
    for (Object check : health.getJsonObject("body").getJsonArray("checks")) {
      if ("mongo".equals(((JsonObject) check).getString("id"))) {
        return ((JsonObject) check).getString("status");
      }
    }
    return "missing";
  }

  private static Map<String, Long> byOutcome(List<Answer> answers) {
    return answers.stream().collect(Collectors.groupingBy(Answer::outcome, TreeMap::new, Collectors.counting()));
  }
}
