package io.parley.live;

import io.parley.common.Caller;
import io.parley.fanout.InProcessFanout;
import io.parley.live.PresenceStore.Held;
import io.parley.testing.RedisProcess;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The rules of presence, run against both stores: {@code presence.lua} in a real redis-server and its
 * in-memory twin {@link LocalPresence}. Each rule is called the way gateway instances call it, with the
 * times the test chooses (the stores take {@code now} and deadlines from their callers).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RedisPresenceTest {

  @RegisterExtension
  static final RedisProcess redis = new RedisProcess();

  private static final Vertx vertx = Vertx.vertx();
  private static final String T = "acme";
  private static final long NOW = 1_000_000;

  enum Kind { REDIS, LOCAL }

  /** A rule checked against each {@link Kind} of store. */
  @ParameterizedTest(name = "{0}")
  @EnumSource(Kind.class)
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @interface ForEachStore {
  }

  private final List<Redis> clients = new ArrayList<>();

  @AfterEach
  void closeClients() throws Exception {
    for (Redis client : clients) {
      await(client.send(Request.cmd(Command.FLUSHALL)));
      client.close();
    }
  }

  @AfterAll
  static void closeVertx() throws Exception {
    await(vertx.close());
  }

  /** A fresh store of {@code kind}. */
  private PresenceStore store(Kind kind) {
    return kind == Kind.LOCAL ? new LocalPresence() : new RedisPresence(client());
  }

  /** A second handle on the same presence, as another gateway instance holds it: its own Redis client, or the node's shared map. */
  private PresenceStore sameAs(Kind kind, PresenceStore first) {
    return kind == Kind.LOCAL ? first : new RedisPresence(client());
  }

  private Redis client() {
    Redis client = Redis.createClient(vertx, redis.url());
    clients.add(client);
    return client;
  }

  /** alice on i1 and i2 is online until both drop her; going offline stamps lastSeenAt, announced once. */
  @ForEachStore
  void a_user_held_by_two_instances_is_online_until_both_drop(Kind kind) throws Exception {
    PresenceStore store = store(kind);
    assertEquals(change("alice", "offline", "online", 0), put(store, "i1", "online", NOW));
    assertEquals(change("alice", "online", "online", 0), put(store, "i2", "online", NOW));
    assertEquals(change("alice", "online", "online", 0), await(store.drop("i1", T, "alice", NOW + 10)));
    assertEquals(state("online", 0), await(store.states(T, List.of("alice"))).getJsonObject("alice"));
    assertEquals(change("alice", "online", "offline", NOW + 20), await(store.drop("i2", T, "alice", NOW + 20)));
    assertEquals(state("offline", NOW + 20), await(store.states(T, List.of("alice"))).getJsonObject("alice"));
    assertEquals(change("alice", "offline", "offline", NOW + 20), await(store.drop("i2", T, "alice", NOW + 30)),
      "a second drop changes nothing, lastSeenAt stays");
    assertEquals(change("alice", "offline", "online", NOW + 20), put(store, "i1", "online", NOW + 40),
      "back online: lastSeenAt still says when she was last seen");
  }

  /** A user is away while every instance holding them reports idle, online as soon as one reports online. */
  @ForEachStore
  void idle_on_every_instance_is_away_and_one_active_instance_is_online(Kind kind) throws Exception {
    PresenceStore store = store(kind);
    assertEquals(change("alice", "offline", "away", 0), put(store, "i1", "idle", NOW));
    assertEquals(change("alice", "away", "online", 0), put(store, "i2", "online", NOW));
    assertEquals(change("alice", "online", "away", 0), put(store, "i2", "idle", NOW));
    assertEquals(change("alice", "away", "online", 0), put(store, "i1", "online", NOW));
    assertEquals(change("alice", "online", "away", 0), await(store.drop("i1", T, "alice", NOW)), "the idle instance is left");
  }

  /** The user's own away wins over active connections, survives heartbeats, and lifting it is online again. */
  @ForEachStore
  void the_users_away_flag_makes_them_away_until_lifted(Kind kind) throws Exception {
    PresenceStore store = store(kind);
    put(store, "i1", "online", NOW);
    assertEquals(change("alice", "online", "away", 0), await(store.away(T, "alice", true)));
    assertEquals(change("alice", "away", "away", 0), put(store, "i1", "online", NOW + 2000),
      "a heartbeat of an active connection does not lift it");
    assertEquals(state("away", 0), await(store.states(T, List.of("alice"))).getJsonObject("alice"));
    assertEquals(change("alice", "away", "online", 0), await(store.away(T, "alice", false)));
  }

  /** A sweep drops exactly the entries past their deadline (inclusive), each once; later sweeps find nothing. */
  @ForEachStore
  void a_sweep_drops_only_entries_past_their_deadline(Kind kind) throws Exception {
    PresenceStore store = store(kind);
    // i1 died after its last heartbeat (deadline NOW + 1000); i2 renews (NOW + 5000).
    await(store.put("i1", List.of(held("alice", "online"), held("bob", "online")), NOW, NOW + 1000));
    await(store.put("i2", List.of(held("alice", "online"), held("carol", "idle")), NOW, NOW + 5000));
    assertEquals(List.of(), await(store.sweep(NOW + 999, 500)), "nothing is due before its deadline");
    assertEquals(Set.of(change("alice", "online", "online", 0), change("bob", "online", "offline", NOW + 1000)),
      Set.copyOf(await(store.sweep(NOW + 1000, 500))));
    assertEquals(List.of(), await(store.sweep(NOW + 1500, 500)));
    JsonObject states = await(store.states(T, List.of("alice", "bob", "carol")));
    assertEquals(new JsonObject().put("alice", state("online", 0)).put("bob", state("offline", NOW + 1000))
      .put("carol", state("away", 0)), states);
    assertEquals(Set.of(change("alice", "online", "offline", NOW + 5000), change("carol", "away", "offline", NOW + 5000)),
      Set.copyOf(await(store.sweep(NOW + 5000, 500))), "i2 stopped renewing too");
  }

  /**
   * Two instances sweeping the same dead instance's 300 users at once, in batches of 40: every user goes
   * offline exactly once across both answers, so each change is announced once.
   */
  @ForEachStore
  void racing_sweepers_answer_each_change_once(Kind kind) throws Exception {
    PresenceStore first = store(kind);
    PresenceStore second = sameAs(kind, first);
    List<Held> users = IntStream.range(0, 300).mapToObj(i -> held("u" + i, "online")).toList();
    await(first.put("dead", users, NOW, NOW + 1000));
    CyclicBarrier start = new CyclicBarrier(2);
    CompletableFuture<List<PresenceChange>> a = CompletableFuture.supplyAsync(() -> sweepAll(first, start));
    CompletableFuture<List<PresenceChange>> b = CompletableFuture.supplyAsync(() -> sweepAll(second, start));
    List<PresenceChange> all = new ArrayList<>(a.get(30, TimeUnit.SECONDS));
    all.addAll(b.get(30, TimeUnit.SECONDS));
    assertEquals(300, all.size(), "each entry dropped once: " + a.get().size() + " + " + b.get().size());
    assertEquals(300, new HashSet<>(all.stream().map(PresenceChange::userId).toList()).size());
    assertTrue(all.stream().allMatch(c -> c.changed() && c.after().equals("offline") && c.lastSeenAt() == NOW + 2000), all.toString());
  }

  /** Users nobody holds (never seen, or of another tenant) are offline, never seen (lastSeenAt 0). */
  @ForEachStore
  void unknown_users_and_other_tenants_are_offline_and_never_seen(Kind kind) throws Exception {
    PresenceStore store = store(kind);
    put(store, "i1", "online", NOW);
    assertEquals(new JsonObject().put("nobody", state("offline", 0)), await(store.states(T, List.of("nobody"))));
    assertEquals(new JsonObject().put("alice", state("offline", 0)), await(store.states("other", List.of("alice"))));
    assertEquals(new JsonObject(), await(store.states(T, List.of())));
  }

  /**
   * A connect storm through one instance's tracker over a real Redis: 1000 users connect and leave at once
   * while 200 presence reads are in flight. Every read is answered (no pool refusal) and every user ends
   * offline at once: no connect's put lands after the drop that followed it (the TTL is a minute, so no
   * sweep could tidy up).
   */
  @Test
  void a_connect_storm_through_one_tracker_leaves_everyone_who_left_offline() throws Exception {
    RedisPresence store = new RedisPresence(RedisPresence.client(vertx, redis.url()));
    PresenceTracker tracker = new PresenceTracker(vertx, store, new InProcessFanout(vertx), null,
      new LiveSettings(true, 60_000, 300_000, 6_000), Clock.systemUTC());
    List<String> ids = IntStream.range(0, 1000).mapToObj(i -> "s" + i).toList();
    Promise<Void> storm = Promise.promise();
    vertx.runOnContext(v -> {
      for (String id : ids) {
        Caller caller = new Caller(T, id, id);
        tracker.connected(caller, new JsonArray());
        tracker.disconnected(caller);
      }
      Future.all(IntStream.range(0, 200).mapToObj(i -> store.states(T, ids.subList(i, i + 1))).toList()).<Void>mapEmpty().onComplete(storm);
    });
    await(storm.future());
    long deadline = System.currentTimeMillis() + 10_000;
    List<String> online;
    do {
      JsonObject states = new JsonObject();
      for (int i = 0; i < ids.size(); i += 100) {
        states.mergeIn(await(store.states(T, ids.subList(i, i + 100))));
      }
      online = ids.stream().filter(id -> !"offline".equals(states.getJsonObject(id).getString("state"))).toList();
    } while (!online.isEmpty() && System.currentTimeMillis() < deadline);
    assertEquals(List.of(), online, "left online after connecting and leaving");
  }

  private static List<PresenceChange> sweepAll(PresenceStore store, CyclicBarrier start) {
    try {
      start.await(10, TimeUnit.SECONDS);
      List<PresenceChange> got = new ArrayList<>();
      List<PresenceChange> batch;
      do {
        batch = await(store.sweep(NOW + 2000, 40));
        got.addAll(batch);
      } while (!batch.isEmpty());
      return got;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** alice's entry of {@code instance} put (or renewed) at {@code now} for 6 s: its one change. */
  private static PresenceChange put(PresenceStore store, String instance, String activity, long now) throws Exception {
    List<PresenceChange> changes = await(store.put(instance, List.of(held("alice", activity)), now, now + 6000));
    assertEquals(1, changes.size(), changes.toString());
    return changes.get(0);
  }

  private static Held held(String userId, String activity) {
    return new Held(T, userId, userId + "-name", activity);
  }

  private static PresenceChange change(String userId, String before, String after, long lastSeenAt) {
    return new PresenceChange(T, userId, userId + "-name", before, after, lastSeenAt);
  }

  private static JsonObject state(String state, long lastSeenAt) {
    return new JsonObject().put("state", state).put("lastSeenAt", lastSeenAt);
  }
}
