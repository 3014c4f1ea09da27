package io.parley.cluster;

import io.parley.testing.ClusterExtension;
import io.parley.testing.Rest;
import io.parley.testing.ScriptCluster;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A member that hosts the concerns is killed (kill -9) while a gateway-only instance forwards requests to
 * it. Vert.x would leave a request written to the dead member waiting for its whole timeout (10 s); every
 * request in flight must instead be answered — stored (201) or SERVICE_UNAVAILABLE (503) — within 1 s of
 * Hazelcast dropping the member (the "Members {size:2" line in the gateway's log), and a resend of each
 * refused one with the same clientMsgId is stored exactly once with gap-free seqs.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class MemberLossIT {

  private static final int SENDERS = 8;
  private static final long ANSWER_WITHIN_MS = 1000;

  @RegisterExtension
  final ClusterExtension clusters = new ClusterExtension();

  private record Sent(String clientMsgId, long startMs, long endMs, int status, String code) {
  }

  @Test
  void requests_in_flight_on_a_killed_member_are_answered_within_a_second_of_its_drop() throws Exception {
    ScriptCluster cluster = clusters.create(Map.of("CLUSTER_ROLES_1", "gateway", "CLUSTER_ROLES_2", "auth,rooms,attachments,delivery",
      "CLUSTER_ROLES_3", "auth,rooms,attachments,delivery"));
    cluster.up(3);
    ScriptCluster.Instance gateway = cluster.ps().get(0);
    assertEquals("gateway", gateway.roles());
    Rest rest = clusters.clients().rest(Integer.parseInt(gateway.url().substring(gateway.url().lastIndexOf(':') + 1)));
    List<JsonObject> users = await(rest.numberedUsers("loss", "u", SENDERS));
    String room = await(rest.roomWithEveryone(users, "loss"));

    ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
    boolean[] stop = {false};
    List<Future<Void>> loops = new ArrayList<>();
    for (int i = 0; i < SENDERS; i++) {
      loops.add(sendLoop(rest, users.get(i).getString("accessToken"), room, "s" + i + "-", sent, stop));
    }
    Thread.sleep(2000);
    long killedMs = System.currentTimeMillis();
    cluster.kill(2);
    long dropMs = dropTime(cluster, killedMs);
    Thread.sleep(3000);
    stop[0] = true;
    await(Future.all(loops), 30);

    List<Sent> overlapping = sent.stream().filter(s -> s.startMs() <= dropMs + ANSWER_WITHIN_MS && s.endMs() >= dropMs).toList();
    Map<String, Long> outcomes = sent.stream().filter(s -> s.startMs() >= killedMs - 1000)
      .collect(Collectors.groupingBy(s -> s.status() + " " + s.code(), TreeMap::new, Collectors.counting()));
    List<Sent> atDrop = overlapping.stream().filter(s -> s.startMs() <= dropMs).toList();
    long slowest = atDrop.stream().mapToLong(s -> s.endMs() - dropMs).max().orElse(0);
    long slowestAfter = overlapping.stream().mapToLong(s -> s.endMs() - Math.max(s.startMs(), dropMs)).max().orElse(0);
    System.out.println("MEMBER LOSS: killed at +0 ms, dropped at +" + (dropMs - killedMs) + " ms; " + atDrop.size()
      + " requests in flight at the drop, the last answered " + slowest + " ms after it; " + (overlapping.size() - atDrop.size())
      + " sent in the second after it, the slowest answered in " + slowestAfter + " ms; outcomes from 1 s before the kill " + outcomes);
    assertFalse(overlapping.isEmpty(), "requests were in flight when the member was dropped");
    for (Sent s : overlapping) {
      assertTrue(s.status() == 201 || (s.status() == 503 && "SERVICE_UNAVAILABLE".equals(s.code())),
        "each in-flight request is stored or SERVICE_UNAVAILABLE: " + s);
      assertTrue(s.endMs() - Math.max(s.startMs(), dropMs) <= ANSWER_WITHIN_MS,
        "answered within " + ANSWER_WITHIN_MS + " ms of the drop: " + s + " (drop at " + dropMs + ")");
    }

    // Every refused send, sent again with its clientMsgId, is stored once; seqs have no gaps.
    for (Sent s : sent) {
      if (s.status() != 201) {
        int sender = Integer.parseInt(s.clientMsgId().substring(1, s.clientMsgId().indexOf('-')));
        await(rest.send(users.get(sender).getString("accessToken"), room, s.clientMsgId(), s.clientMsgId()));
      }
    }
    String token = users.get(0).getString("accessToken");
    List<Long> seqs = new ArrayList<>();
    List<String> ids = new ArrayList<>();
    long after = 0;
    while (true) {
      JsonObject page = await(rest.history(token, room, "after=" + after + "&limit=200"));
      page.getJsonArray("messages").forEach(m -> {
        seqs.add(((JsonObject) m).getLong("seq"));
        ids.add(((JsonObject) m).getString("clientMsgId"));
      });
      if (!page.getBoolean("hasMore")) {
        break;
      }
      after = seqs.get(seqs.size() - 1);
    }
    assertEquals(sent.size(), seqs.size(), "every send stored exactly once");
    assertEquals(sent.size(), ids.stream().distinct().count(), "no clientMsgId twice");
    for (int i = 0; i < seqs.size(); i++) {
      assertEquals(i + 1, seqs.get(i), "gap-free seqs");
    }
  }

  private Future<Void> sendLoop(Rest rest, String token, String room, String prefix, ConcurrentLinkedQueue<Sent> sent, boolean[] stop) {
    Promise<Void> done = Promise.promise();
    sendNext(rest, token, room, prefix, 0, sent, stop, done);
    return done.future();
  }

  private void sendNext(Rest rest, String token, String room, String prefix, int n, ConcurrentLinkedQueue<Sent> sent, boolean[] stop,
                        Promise<Void> done) {
    if (stop[0]) {
      done.complete();
      return;
    }
    String id = prefix + n;
    long start = System.currentTimeMillis();
    rest.post("/conversations/" + room + "/messages", token, new JsonObject().put("clientMsgId", id).put("text", id))
      .onComplete(ar -> {
        int status = ar.succeeded() ? ar.result().statusCode() : -1;
        String code = ar.failed() ? ar.cause().toString() : status == 201 ? "" : errorCode(ar.result().bodyAsString());
        sent.add(new Sent(id, start, System.currentTimeMillis(), status, code));
        sendNext(rest, token, room, prefix, n + 1, sent, stop, done);
      });
  }

  private static String errorCode(String body) {
    try {
      return new JsonObject(body).getJsonObject("error").getString("code");
    } catch (RuntimeException e) {
      return "unparsable: " + body;
    }
  }

  /** When the gateway instance's Hazelcast dropped the killed member: its "Members {size:2" log line after the kill. */
  private static long dropTime(ScriptCluster cluster, long killedMs) throws Exception {
    long deadline = System.currentTimeMillis() + 30_000;
    while (System.currentTimeMillis() < deadline) {
      long stamped = 0;
      for (String line : Files.readAllLines(cluster.dir().resolve("instance-1.log"))) {
        if (line.length() > 24 && line.charAt(10) == 'T' && Character.isDigit(line.charAt(0)) && line.indexOf(' ') > 0) {
          // Hazelcast's member list starts on the line after its logged header line.
          stamped = OffsetDateTime.parse(line.substring(0, line.indexOf(' '))).toInstant().toEpochMilli();
        }
        if (line.contains("Members {size:2") && stamped >= killedMs - 50) {
          return stamped;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the gateway instance never logged the member's drop");
  }
}
