package io.parley.cluster;

import io.parley.testing.ClusterExtension;
import io.parley.testing.ResilientClient;
import io.parley.testing.Rest;
import io.parley.testing.ScriptCluster;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A cluster from {@code scripts/cluster.sh} ({@link ClusterExtension}) under steady load through nginx
 * ({@link Load}) while an instance is killed with kill -9 or redis-server is killed and restarted:
 * nothing acked is lost, seqs stay gap-free, and resilient clients ({@link ResilientClient}) reconnect
 * and catch up. Each test prints one summary line ("FAILOVER:", "REDIS RESTART:") for the project's notes.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ClusterFailoverIT {

  private static final String TENANT = "clustered";

  @RegisterExtension
  final ClusterExtension clusters = new ClusterExtension();

  @Test
  void failover_kill_9_under_load() throws Exception {
    ScriptCluster cluster = clusters.create();
    int nginx = cluster.up(3);
    Map<String, Integer> instanceOf = cluster.instancesByNodeId();
    Rest rest = clusters.clients().rest(nginx);
    List<JsonObject> users = await(rest.numberedUsers(TENANT, "f", 6));
    String room = await(rest.roomWithEveryone(users, "failover"));
    List<ResilientClient> clients = resilientClients(nginx, users, room);

    Load load = new Load(clusters.vertx(), nginx, room, users.subList(0, 3)).withChanges();
    load.start();
    load.awaitAcked(60, 30_000);
    Thread.sleep(2000);

    // Kill the instance that holds the most clients.
    Map<Integer, Long> spread = spread(clients.stream().map(ResilientClient::node), instanceOf);
    int victim = spread.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    Set<ResilientClient> onVictim = clients.stream().filter(c -> instanceOf.get(c.node()) == victim).collect(Collectors.toSet());
    System.out.println("clients per instance before the kill: " + spread + "; killing instance " + victim
      + " at " + System.currentTimeMillis());
    load.phase("killed");
    cluster.kill(victim);
    Thread.sleep(5000);
    load.stop();

    WaitResult wait = awaitComplete(clients, load.ackedSeqs(), 30_000);
    Report report = verify(rest, users.get(0), room, load, clients, wait);

    List<Long> reconnects = clients.stream().flatMap(c -> c.reconnectMillis().stream()).sorted().toList();
    long reconnected = clients.stream().filter(c -> !c.reconnectMillis().isEmpty()).count();
    System.out.printf("FAILOVER: killed instance %d of 3 (kill -9) holding %d of %d clients; acked=%d (seq 1..%d, no gaps), "
        + "stored=%d; received per member after dedup=%s; duplicates before dedup=%d (per member %s, of which live %d); "
        + "clients reconnected=%d (reconnects %d); reconnect ms min/median/max=%s; first received via live/sync/history=%d/%d/%d; "
        + "failed send attempts (retried with the same clientMsgId)=%s; seqs no member got live=%s; "
        + "all members complete %d ms after the load stopped%n",
      victim, onVictim.size(), clients.size(), report.acked, report.acked, report.stored, ResilientClient.sizes(clients),
      report.duplicates, clients.stream().map(ResilientClient::duplicates).toList(), report.liveDuplicates,
      reconnected, reconnects.size(), minMedianMax(reconnects), report.live, report.sync, report.history,
      load.failures, neverLive(clients, load.ackedSeqs()), wait.millis);
    clients.forEach(c -> System.out.println("  " + c));
    Map<Long, String> idOf = new TreeMap<>();
    load.acked.forEach((id, seq) -> idOf.put(seq, id));
    for (Long seq : neverLive(clients, load.ackedSeqs())) {
      System.out.println("  seq " + seq + " (" + idOf.get(seq) + ", acked@" + load.ackedAt.get(idOf.get(seq))
        + ") reached no member live; its failed attempts: " + load.failedAttempts.get(idOf.get(seq)) + "; first arrivals: "
        + clients.stream().map(c -> c.firstArrival(seq)).toList());
    }
    load.failedAttempts.forEach((id, attempts) -> System.out.println("  resent " + id + " → seq " + load.acked.get(id) + " after " + attempts));

    verifyChanges(rest, users.get(0), room, load);
    assertTrue(wait.complete, "every member has every acked message within 30 s: " + wait.detail);
    // Redis stayed up, so a member registered before a message was stored, and still connected, gets it
    // live: sync and gap-filling are for reconnects, not for connected clients.
    List<String> missedLive = missedLive(clients, c -> c.readySince());
    assertTrue(missedLive.isEmpty(), "connected members got every message stored after their ready live; missed: " + missedLive);
    assertFalse(onVictim.isEmpty());
    for (ResilientClient c : onVictim) {
      assertFalse(c.reconnectMillis().isEmpty(), c.name() + " was on the killed instance and reconnected");
      assertNotEquals(victim, instanceOf.get(c.node()), c.name() + " now on a surviving instance");
    }
  }

  @Test
  void redis_restart_under_load() throws Exception {
    ScriptCluster cluster = clusters.create();
    int nginx = cluster.up(2);
    Rest rest = clusters.clients().rest(nginx);
    List<JsonObject> users = await(rest.numberedUsers(TENANT, "r", 6));
    String room = await(rest.roomWithEveryone(users, "redis-restart"));
    List<ResilientClient> clients = resilientClients(nginx, users, room);

    Load load = new Load(clusters.vertx(), nginx, room, users.subList(0, 3));
    load.start();
    load.awaitAcked(40, 30_000);
    Thread.sleep(1000);

    load.phase("redis-down");
    cluster.redis("kill");
    int ackedBefore = load.acked.size();
    Thread.sleep(3000);
    int ackedWhileDown = load.acked.size() - ackedBefore;
    load.phase("redis-back");
    cluster.redis("start");
    // Every gateway resubscribes and tells its clients to sync; the load goes on meanwhile.
    long deadline = System.currentTimeMillis() + 20_000;
    while (clients.stream().anyMatch(c -> c.resyncs() == 0) && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    // Some load after every member resynced: the live path must work again (publishers reconnected too).
    Thread.sleep(2000);
    load.stop();

    WaitResult wait = awaitComplete(clients, load.ackedSeqs(), 30_000);
    Report report = verify(rest, users.get(0), room, load, clients, wait);
    System.out.printf("REDIS RESTART: redis-server killed (kill -9) for 3 s under load, 2 instances; acked=%d (seq 1..%d, no gaps), "
        + "%d of them acked while Redis was down; stored=%d; received per member after dedup=%s; duplicates before dedup=%d "
        + "(per member %s, of which live %d); resync events per member=%s; syncs per member=%s; socket closes=%d; "
        + "first received via live/sync/history=%d/%d/%d; messages stored 1 s after the last resync (must be live)=%d; "
        + "failed send attempts=%s; all members complete %d ms after the load stopped%n",
      report.acked, report.acked, ackedWhileDown, report.stored, ResilientClient.sizes(clients), report.duplicates,
      clients.stream().map(ResilientClient::duplicates).toList(), report.liveDuplicates,
      clients.stream().map(ResilientClient::resyncs).toList(), clients.stream().map(ResilientClient::syncs).toList(),
      clients.stream().mapToInt(ResilientClient::closes).sum(), report.live, report.sync, report.history,
      afterResync(clients), load.failures, wait.millis);
    clients.forEach(c -> System.out.println("  " + c));

    assertTrue(wait.complete, "every member has every acked message within 30 s: " + wait.detail);
    assertTrue(ackedWhileDown > 0, "sends are acked while Redis is down (MongoDB is the truth)");
    assertEquals(0, load.failuresIn("redis-down") + load.failuresIn("redis-back"),
      "no send fails because Redis is down or restarting: " + load.failures);
    for (ResilientClient c : clients) {
      assertTrue(c.resyncs() >= 1, c.name() + " was told to resync after Redis came back");
    }
    // Once a member has resynced, live delivery is back: what is stored a moment later arrives live.
    List<String> missedLive = missedLive(clients, c -> c.lastResyncAt() + 1000);
    assertTrue(missedLive.isEmpty(), "members got every message stored 1 s after their resync live; missed: " + missedLive);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private List<ResilientClient> resilientClients(int port, List<JsonObject> users, String room) throws Exception {
    List<ResilientClient> clients = new ArrayList<>();
    for (JsonObject user : users) {
      clients.add(await(clusters.clients().resilient(port, user, room)));
    }
    return clients;
  }

  private static Map<Integer, Long> spread(Stream<String> nodes, Map<String, Integer> instanceOf) {
    return nodes.collect(Collectors.groupingBy(node -> instanceOf.getOrDefault(node, -1), TreeMap::new, Collectors.counting()));
  }

  private WaitResult awaitComplete(List<ResilientClient> clients, Set<Long> acked, long timeoutMs) throws InterruptedException {
    long start = System.currentTimeMillis();
    while (true) {
      List<String> missing = new ArrayList<>();
      for (ResilientClient c : clients) {
        Set<Long> lacking = new TreeSet<>(acked);
        lacking.removeAll(c.received().keySet());
        if (!lacking.isEmpty()) {
          missing.add(c.name() + " lacks " + (lacking.size() > 20 ? lacking.size() + " seqs from " + lacking.iterator().next() : lacking));
        }
      }
      long elapsed = System.currentTimeMillis() - start;
      if (missing.isEmpty() || elapsed > timeoutMs) {
        return new WaitResult(missing.isEmpty(), elapsed, missing.toString());
      }
      Thread.sleep(50);
    }
  }

  /** The shared assertions of the load tests; returns the totals for the report line. */
  private Report verify(Rest rest, JsonObject reader, String room, Load load, List<ResilientClient> clients, WaitResult wait)
      throws Exception {
    assertTrue(load.fatal.isEmpty(), "every send was eventually acked: " + load.fatal);
    Map<Long, String> bySeq = new TreeMap<>();
    load.acked.forEach((clientMsgId, seq) -> {
      String before = bySeq.put(seq, clientMsgId);
      assertEquals(null, before, "seq " + seq + " acked for two messages: " + before + " and " + clientMsgId);
    });
    int n = load.acked.size();
    assertEquals(LongStream.rangeClosed(1, n).boxed().toList(), new ArrayList<>(bySeq.keySet()),
      "acked seqs are exactly 1.." + n + " without gaps");

    // The store holds exactly the acked messages (no unacked leftovers, no gaps).
    Map<Long, String> stored = new TreeMap<>();
    long after = 0;
    while (true) {
      JsonObject page = await(rest.history(reader.getString("accessToken"), room, "after=" + after + "&limit=200"));
      for (Object o : page.getJsonArray("messages")) {
        JsonObject m = (JsonObject) o;
        stored.put(m.getLong("seq"), m.getString("clientMsgId"));
        after = m.getLong("seq");
      }
      if (!page.getBoolean("hasMore")) {
        break;
      }
    }
    assertEquals(bySeq, stored, "the store holds exactly the acked messages");

    for (ResilientClient c : clients) {
      Map<Long, String> got = new TreeMap<>();
      c.received().forEach((seq, m) -> got.put(seq, m.getString("clientMsgId")));
      if (!wait.complete) {
        continue; // reported by the caller with the details
      }
      assertEquals(bySeq, got, c.name() + " has exactly the acked messages after dedup: " + c);
    }
    Report report = new Report();
    report.acked = n;
    report.stored = stored.size();
    for (ResilientClient c : clients) {
      report.duplicates += c.duplicates();
      report.liveDuplicates += c.liveDuplicates();
      report.live += c.liveCount();
      report.sync += c.syncCount();
      report.history += c.historyCount();
    }
    return report;
  }

  /**
   * The edits and reactions of the load: each acked one shows on its message exactly once (the edited
   * text; the sender's emoji counted once), no other message changed, and the change log holds exactly
   * one change per acked change, numbered 1..C without gaps (paged through sync).
   */
  private void verifyChanges(Rest rest, JsonObject reader, String room, Load load) throws Exception {
    String token = reader.getString("accessToken");
    Map<Long, JsonObject> messages = await(rest.allMessages(token, room));
    int editsShown = 0;
    int reactionsShown = 0;
    for (JsonObject message : messages.values()) {
      String id = message.getString("id");
      String text = load.edited.get(id);
      assertEquals(text != null, message.containsKey("editedAt"), "edited exactly when an edit was acked: " + message.encode());
      if (text != null) {
        assertEquals(text, message.getString("text"));
        editsShown++;
      }
      String emoji = load.reacted.get(id);
      JsonArray reactions = message.getJsonArray("reactions", new JsonArray());
      if (emoji == null) {
        assertTrue(reactions.isEmpty(), "no reaction was acked for " + message.encode());
      } else {
        assertEquals(1, reactions.size(), message.encode());
        assertEquals(emoji, reactions.getJsonObject(0).getString("emoji"));
        assertEquals(1L, reactions.getJsonObject(0).getLong("count"), "counted once: " + message.encode());
        reactionsShown++;
      }
    }
    List<Long> changeSeqs = new ArrayList<>();
    Map<String, Integer> kinds = new TreeMap<>();
    long changeSeq = 0;
    long head = messages.isEmpty() ? 0 : Collections.max(messages.keySet());
    while (true) {
      JsonObject page = await(rest.expect(200, "/sync", token, new JsonObject().put("positions", new JsonObject()
        .put(room, new JsonObject().put("seq", head).put("changeSeq", changeSeq))))).getJsonObject("conversations").getJsonObject(room);
      for (Object o : page.getJsonArray("changes")) {
        JsonObject change = (JsonObject) o;
        changeSeqs.add(change.getLong("changeSeq"));
        kinds.merge(change.getString("kind"), 1, Integer::sum);
      }
      changeSeq = page.getLong("changeSeq");
      if (!page.getBoolean("changesHaveMore")) {
        break;
      }
    }
    System.out.printf("FAILOVER CHANGES: edits acked=%d shown=%d; reactions acked=%d shown (count 1 each)=%d; "
        + "changes in the log=%d (changeSeq 1..%d, no gaps) by kind %s; failed change attempts retried=%d%n",
      load.edited.size(), editsShown, load.reacted.size(), reactionsShown, changeSeqs.size(), changeSeq, kinds,
      load.failedAttempts.keySet().stream().filter(k -> k.startsWith("edit ") || k.startsWith("react ")).count());
    assertTrue(load.edited.size() > 10 && load.reacted.size() > 10, "the load made changes: " + load.edited.size() + "/" + load.reacted.size());
    assertEquals(load.edited.size(), editsShown, "every acked edit shows");
    assertEquals(load.reacted.size(), reactionsShown, "every acked reaction shows");
    assertEquals(LongStream.rangeClosed(1, load.edited.size() + load.reacted.size()).boxed().toList(), changeSeqs,
      "one change per acked edit or reaction, none twice, no gaps");
  }

  /**
   * Per member, the messages stored after its current connection's ready (and after {@code from}) that
   * did not arrive live.
   */
  private static List<String> missedLive(List<ResilientClient> clients, ToLongFunction<ResilientClient> from) {
    List<String> missed = new ArrayList<>();
    for (ResilientClient c : clients) {
      long since = c.readySince() < 0 ? -1 : Math.max(c.readySince(), from.applyAsLong(c));
      if (since < 0) {
        continue;
      }
      Set<Long> live = c.liveSeqs();
      c.received().forEach((seq, message) -> {
        if (message.getLong("createdAt") > since + 50 && !live.contains(seq)) {
          missed.add(c.name() + " seq " + seq + " (" + message.getString("clientMsgId") + ", stored " + (message.getLong("createdAt") - since)
            + " ms after its ready, got it by " + c.firstArrival(seq) + ")");
        }
      });
    }
    return missed;
  }

  /** How many messages were stored more than 1 s after the last member's resync. */
  private static long afterResync(List<ResilientClient> clients) {
    long last = clients.stream().mapToLong(ResilientClient::lastResyncAt).max().orElse(Long.MAX_VALUE - 1000);
    return clients.get(0).received().values().stream().filter(m -> m.getLong("createdAt") > last + 1000).count();
  }

  /** Acked seqs that reached no member as a live event (only through sync or history). */
  private static Set<Long> neverLive(List<ResilientClient> clients, Set<Long> acked) {
    Set<Long> never = new TreeSet<>(acked);
    clients.forEach(c -> never.removeAll(c.liveSeqs()));
    return never;
  }

  private static String minMedianMax(List<Long> sorted) {
    if (sorted.isEmpty()) {
      return "-/-/-";
    }
    return sorted.get(0) + "/" + sorted.get(sorted.size() / 2) + "/" + sorted.get(sorted.size() - 1);
  }

  private record WaitResult(boolean complete, long millis, String detail) {
  }

  private static final class Report {
    int acked;
    int stored;
    int duplicates;
    int liveDuplicates;
    int live;
    int sync;
    int history;
  }
}
