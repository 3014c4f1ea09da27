package io.parley.testing;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bridge client that behaves like a well-written browser client on a flaky network, for failover
 * tests: over one {@link BridgeClient} connection at a time (through nginx, to the raw WebSocket
 * endpoint {@code /eventbus/websocket}) it registers its inbox, and whenever the socket closes it
 * reconnects (every 100-200 ms until it gets through), registers again with the same token and, on
 * {@code ready}, syncs one conversation from the highest seq up to which it holds every message. A
 * {@code resync} event triggers the same sync; a gap in live seqs that does not close by itself is
 * filled from history, as docs/PROTOCOL.md asks of clients.
 *
 * <p>Every message of the tracked conversation it receives (live, by sync or by history) is recorded
 * by seq; a message for a seq already held counts as a duplicate (before dedup). Reconnect durations
 * (socket closed → next {@code ready}) are recorded too. All work runs on one Vert.x context; the
 * accessors are safe to call from the test thread.
 */
public final class ResilientClient {

  private static final long GAP_GRACE_MS = 500;
  private static final long REQUEST_TIMEOUT_MS = 15_000;
  private static final long READY_TIMEOUT_MS = 15_000;

  private final Vertx vertx;
  private final Context context;
  private final int port;
  private final String token;
  private final String inbox;
  private final String conversationId;
  private final String name;

  // Context-confined state.
  private BridgeClient current;
  private boolean stopped;
  private long closedAtNanos = -1;
  private long pingTimer = -1;
  private long readyTimer = -1;
  private boolean registered;
  private boolean gapCheckScheduled;
  private boolean syncing;
  private boolean syncAgain;

  // Observable from the test thread.
  private final NavigableMap<Long, JsonObject> received = new ConcurrentSkipListMap<>();
  private final Set<Long> liveSeqs = ConcurrentHashMap.newKeySet();
  /** seq → how and when (epoch ms) it first arrived, e.g. "sync@1795362828710". */
  private final Map<Long, String> firstArrival = new ConcurrentHashMap<>();
  private volatile long contiguous;
  private volatile long readySince = -1;
  private volatile long lastResyncAt = -1;
  private final AtomicInteger duplicates = new AtomicInteger();
  private final AtomicInteger liveDuplicates = new AtomicInteger();
  private final AtomicInteger live = new AtomicInteger();
  private final AtomicInteger bySync = new AtomicInteger();
  private final AtomicInteger byHistory = new AtomicInteger();
  private final AtomicInteger resyncs = new AtomicInteger();
  private final AtomicInteger syncs = new AtomicInteger();
  private final AtomicInteger closes = new AtomicInteger();
  private final List<Long> reconnectMillis = new CopyOnWriteArrayList<>();
  private final List<String> nodes = new CopyOnWriteArrayList<>();
  private final List<String> problems = new CopyOnWriteArrayList<>();
  private final Promise<Void> firstReady = Promise.promise();

  private ResilientClient(Vertx vertx, int port, JsonObject session, String conversationId) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.port = port;
    this.token = session.getString("accessToken");
    this.inbox = BridgeClient.inboxOf(session);
    this.name = session.getString("username");
    this.conversationId = conversationId;
  }

  /**
   * Starts a client for {@code session} (a login answer) that tracks {@code conversationId}; completes
   * on its first {@code ready}.
   */
  public static Future<ResilientClient> start(Vertx vertx, int port, JsonObject session, String conversationId) {
    ResilientClient client = new ResilientClient(vertx, port, session, conversationId);
    client.context.runOnContext(v -> client.connect());
    return client.firstReady.future().map(client);
  }

  public String name() {
    return name;
  }

  /** The node id of the instance that served the latest {@code ready}. */
  public String node() {
    return nodes.isEmpty() ? null : nodes.get(nodes.size() - 1);
  }

  /** The node id of every {@code ready} received, in order. */
  public List<String> nodes() {
    return List.copyOf(nodes);
  }

  /** Messages held, by seq (after dedup). */
  public Map<Long, JsonObject> received() {
    return Map.copyOf(received);
  }

  /** Seqs that arrived as live events (whether first or as a duplicate). */
  public Set<Long> liveSeqs() {
    return Set.copyOf(liveSeqs);
  }

  /** How and when (epoch ms) a seq first arrived, e.g. "sync@1795362828710"; null if not held. */
  public String firstArrival(long seq) {
    return firstArrival.get(seq);
  }

  /** When (epoch ms) the current connection got its {@code ready}; -1 while not registered. */
  public long readySince() {
    return readySince;
  }

  /** When (epoch ms) the latest {@code resync} event arrived; -1 if none did. */
  public long lastResyncAt() {
    return lastResyncAt;
  }

  /** The highest seq up to which every message is held. */
  public long contiguous() {
    return contiguous;
  }

  /** Messages received for a seq already held (live, sync or history), i.e. what dedup dropped. */
  public int duplicates() {
    return duplicates.get();
  }

  /** Live events for a seq already held: the server delivered the same event twice (or after a sync). */
  public int liveDuplicates() {
    return liveDuplicates.get();
  }

  public int liveCount() {
    return live.get();
  }

  public int syncCount() {
    return bySync.get();
  }

  /** Messages first obtained through history to fill a gap in live delivery. */
  public int historyCount() {
    return byHistory.get();
  }

  public int resyncs() {
    return resyncs.get();
  }

  public int syncs() {
    return syncs.get();
  }

  /** How many times the socket closed under the client. */
  public int closes() {
    return closes.get();
  }

  /** Per reconnect: milliseconds from the socket closing to the next {@code ready}. */
  public List<Long> reconnectMillis() {
    return List.copyOf(reconnectMillis);
  }

  /** Failed registrations, syncs and the like, for diagnostics. */
  public List<String> problems() {
    return List.copyOf(problems);
  }

  public Future<Void> stop() {
    Promise<Void> done = Promise.promise();
    context.runOnContext(v -> {
      stopped = true;
      cancelTimers();
      BridgeClient client = current;
      current = null;
      (client == null ? Future.<Void>succeededFuture() : client.close()).onComplete(ar -> done.complete());
    });
    return done.future();
  }

  @Override
  public String toString() {
    return name + "{node=" + node() + ", held=" + received.size() + ", contiguous=" + contiguous
      + ", dup=" + duplicates + ", live=" + live + ", sync=" + bySync + ", history=" + byHistory
      + ", closes=" + closes + ", resyncs=" + resyncs + ", reconnects=" + reconnectMillis
      + ", problems=" + problems + "}";
  }

  // ---- connection life cycle (on the context) ----

  private void connect() {
    if (stopped) {
      return;
    }
    BridgeClient.connect(vertx, BridgeClient.browserLike().setConnectTimeout(5000),
        BridgeClient.to(port, BridgeClient.RAW_URI).setTimeout(5000))
      .onSuccess(this::opened)
      .onFailure(err -> {
        problem("connect: " + err);
        retryConnect();
      });
  }

  private void retryConnect() {
    if (!stopped) {
      vertx.setTimer(100 + ThreadLocalRandom.current().nextInt(100), t -> connect());
    }
  }

  private void opened(BridgeClient client) {
    if (stopped) {
      client.close();
      return;
    }
    current = client;
    registered = false;
    client.token(token).eventHandler(event -> onEvent(client, event));
    client.closedFuture().onComplete(ar -> closed(client));
    pingTimer = vertx.setPeriodic(5000, t -> {
      if (current == client) {
        client.ping();
      }
    });
    register(client);
  }

  private void register(BridgeClient client) {
    if (current != client || stopped) {
      return;
    }
    vertx.cancelTimer(readyTimer);
    readyTimer = vertx.setTimer(READY_TIMEOUT_MS, t -> {
      if (current == client && !registered) {
        problem("no ready within " + READY_TIMEOUT_MS + " ms; reconnecting");
        client.close();
      }
    });
    client.register(inbox).onComplete(ar -> {
      if (current != client) {
        return;
      }
      if (ar.succeeded()) {
        ready(ar.result());
      } else if (!(ar.cause() instanceof BridgeClient.BridgeError error && error.failureCode() == -1)) {
        // The registration failed (e.g. the rooms concern on a dead node did not answer): try again.
        // A closed socket (failureCode -1) is handled by closed(), which reconnects.
        problem("register: " + ar.cause().getMessage());
        vertx.setTimer(100 + ThreadLocalRandom.current().nextInt(100), t -> register(client));
      }
    });
  }

  private void closed(BridgeClient client) {
    if (current != client) {
      return;
    }
    current = null;
    registered = false;
    readySince = -1;
    cancelTimers();
    if (stopped) {
      return;
    }
    closes.incrementAndGet();
    if (closedAtNanos < 0) {
      closedAtNanos = System.nanoTime();
    }
    connect();
  }

  private void cancelTimers() {
    vertx.cancelTimer(pingTimer);
    vertx.cancelTimer(readyTimer);
    pingTimer = -1;
    readyTimer = -1;
  }

  // ---- inbox events ----

  private void onEvent(BridgeClient client, JsonObject event) {
    if (current != client) {
      return;
    }
    switch (String.valueOf(event.getString("type"))) {
      case "resync" -> {
        lastResyncAt = System.currentTimeMillis();
        resyncs.incrementAndGet();
        sync();
      }
      case "message" -> {
        if (conversationId.equals(event.getString("conversationId"))) {
          accept(event.getJsonObject("message"), Source.LIVE);
        }
      }
      default -> { }
    }
  }

  private void ready(JsonObject event) {
    registered = true;
    readySince = System.currentTimeMillis();
    vertx.cancelTimer(readyTimer);
    nodes.add(event.getString("node"));
    if (closedAtNanos >= 0) {
      reconnectMillis.add((System.nanoTime() - closedAtNanos) / 1_000_000);
      closedAtNanos = -1;
    }
    firstReady.tryComplete();
    sync();
  }

  /** parley.delivery.sync from the contiguous position; pages on through history while hasMore. */
  private void sync() {
    if (!registered || stopped) {
      return;
    }
    if (syncing) {
      syncAgain = true;
      return;
    }
    syncing = true;
    syncs.incrementAndGet();
    BridgeClient client = current;
    request("parley.delivery.sync", new JsonObject().put("positions", new JsonObject().put(conversationId, contiguous)))
      .compose(answer -> {
        JsonObject page = answer.getJsonObject("conversations", new JsonObject()).getJsonObject(conversationId);
        if (page == null) {
          return Future.failedFuture("sync answer without the conversation: " + answer.encode());
        }
        return take(page, Source.SYNC);
      })
      .onComplete(ar -> {
        syncing = false;
        if (ar.failed()) {
          problem("sync: " + ar.cause().getMessage());
          // Still connected: try again; otherwise the next ready syncs.
          if (current == client && client != null) {
            syncAgain = false;
            vertx.setTimer(150, t -> sync());
            return;
          }
        }
        if (syncAgain) {
          syncAgain = false;
          sync();
        }
      });
  }

  /** Takes a page's messages and, while it says hasMore, the following history pages. */
  private Future<Void> take(JsonObject page, Source source) {
    JsonArray messages = page.getJsonArray("messages", new JsonArray());
    long last = -1;
    for (Object m : messages) {
      JsonObject message = (JsonObject) m;
      accept(message, source);
      last = message.getLong("seq");
    }
    if (!page.getBoolean("hasMore", false) || last < 0) {
      return Future.succeededFuture();
    }
    return request("parley.delivery.history", new JsonObject().put("conversationId", conversationId)
        .put("after", last).put("limit", 200))
      .compose(next -> take(next, source));
  }

  private void accept(JsonObject message, Source source) {
    long seq = message.getLong("seq");
    if (source == Source.LIVE) {
      liveSeqs.add(seq);
    }
    JsonObject held = received.putIfAbsent(seq, message);
    if (held != null) {
      duplicates.incrementAndGet();
      if (source == Source.LIVE) {
        liveDuplicates.incrementAndGet();
      }
      if (!held.getString("clientMsgId").equals(message.getString("clientMsgId"))) {
        problem("seq " + seq + " came as " + held.getString("clientMsgId") + " and as " + message.getString("clientMsgId"));
      }
      return;
    }
    firstArrival.put(seq, source.name().toLowerCase() + "@" + System.currentTimeMillis());
    switch (source) {
      case LIVE -> live.incrementAndGet();
      case SYNC -> bySync.incrementAndGet();
      case HISTORY -> byHistory.incrementAndGet();
    }
    long c = contiguous;
    while (received.containsKey(c + 1)) {
      c++;
    }
    contiguous = c;
    if (received.lastKey() > c) {
      scheduleGapCheck();
    }
  }

  /** A live seq ran ahead of what is held: if the gap is still open after a grace period, fill it from history. */
  private void scheduleGapCheck() {
    if (gapCheckScheduled) {
      return;
    }
    gapCheckScheduled = true;
    vertx.setTimer(GAP_GRACE_MS, t -> {
      gapCheckScheduled = false;
      if (!registered || received.isEmpty() || received.lastKey() <= contiguous) {
        return;
      }
      request("parley.delivery.history", new JsonObject().put("conversationId", conversationId)
          .put("after", contiguous).put("limit", 200))
        .compose(page -> take(page, Source.HISTORY))
        .onComplete(ar -> {
          if (ar.failed()) {
            problem("history: " + ar.cause().getMessage());
          }
          if (!received.isEmpty() && received.lastKey() > contiguous) {
            scheduleGapCheck();
          }
        });
    });
  }

  private Future<JsonObject> request(String address, JsonObject body) {
    BridgeClient client = current;
    if (client == null) {
      return Future.failedFuture("CONNECTION_CLOSED");
    }
    return client.request(address, body, REQUEST_TIMEOUT_MS);
  }

  private void problem(String what) {
    if (problems.size() < 50) {
      problems.add(what);
    }
  }

  private enum Source { LIVE, SYNC, HISTORY }

  /** Per-client summaries for a report line. */
  public static List<Integer> sizes(List<ResilientClient> clients) {
    List<Integer> sizes = new ArrayList<>();
    clients.forEach(c -> sizes.add(c.received.size()));
    return sizes;
  }
}
