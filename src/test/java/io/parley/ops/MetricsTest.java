package io.parley.ops;

import io.parley.testing.BridgeClient;
import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.RedisProcess;
import io.parley.testing.Rest;
import io.parley.testing.RoomOfTwo;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.parley.testing.ApiAssertions.assertBridgeError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operator's view after real traffic: a node with a real redis-server for fan-out gets users, a room,
 * sends over the bridge and REST (one resent, two refused), deliveries to two listening clients and a login
 * storm; then /metrics must count exactly that, and every series the Grafana dashboard queries must be one
 * the node exports.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MetricsTest {

  private static final Path DASHBOARD = Path.of("ops/grafana/dashboards/parley.json");
  private static final int BRIDGE_SENDS = 5;
  private static final int REST_SENDS = 3;
  private static final int ACCEPTED = BRIDGE_SENDS + REST_SENDS;

  @RegisterExtension
  @Order(1)
  static final RedisProcess redis = new RedisProcess();

  @RegisterExtension
  @Order(2)
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess().withMetrics().with(() -> new JsonObject()
    .put("redis", new JsonObject().put("connection_string", redis.url()))
    .put("limits", new JsonObject().put("login_attempts_per_account", 2)));

  private static Map<String, Double> before;
  private static Map<String, Double> after;
  private static RoomOfTwo room;
  private static int loginsRefused;

  @BeforeAll
  static void traffic() throws Exception {
    before = scrape();
    Rest rest = node.rest();
    room = await(RoomOfTwo.create(rest, "ops"));
    String id = room.roomId();
    BridgeClient alice = await(node.online(room.alice()));
    BridgeClient bob = await(node.online(room.bob()));
    for (int i = 1; i <= BRIDGE_SENDS; i++) {
      await(alice.send(id, "bridge-" + i, "over the bridge " + i));
    }
    String token = room.alice().getString("accessToken");
    for (int i = 1; i <= REST_SENDS; i++) {
      await(rest.send(token, id, "rest-" + i, "over REST " + i));
    }
    assertTrue(await(alice.send(id, "bridge-1", "over the bridge 1")).getBoolean("duplicate"), "a resend is answered as a duplicate");
    assertBridgeError(failureOf(alice.send("no-such-conversation", "lost-1", "lost")), 300, "CONVERSATION_NOT_FOUND");
    assertBridgeError(failureOf(alice.request(BridgeClient.SEND, new JsonObject().put("conversationId", id).put("clientMsgId", "bad-1"))),
      101, "VALIDATION_FAILED");
    await(bob.awaitMessages(id, ACCEPTED));
    await(alice.awaitMessages(id, ACCEPTED));
    // Changes: an edit, a reaction (then the same again: no change), a delete.
    await(bob.request("parley.delivery.react", new JsonObject().put("messageId", id + ":1").put("emoji", ":tada:")));
    await(bob.request("parley.delivery.react", new JsonObject().put("messageId", id + ":1").put("emoji", ":tada:")));
    await(alice.request("parley.delivery.edit", new JsonObject().put("messageId", id + ":2").put("text", "edited")));
    await(alice.request("parley.delivery.delete", new JsonObject().put("messageId", id + ":3")));

    JsonObject wrong = new JsonObject().put("tenant", "acme").put("username", "bob").put("password", "not-bobs-password");
    for (int i = 0; i < 5; i++) {
      HttpResponse<?> login = await(rest.post("/auth/login", null, wrong));
      loginsRefused += login.statusCode() == 429 ? 1 : 0;
    }
    // The embedded store checkpoints every second; wait for one after the traffic.
    double checkpoints = value(scrape(), "parley_store_checkpoint_seconds_count");
    for (int i = 0; i < 100 && value(scrape(), "parley_store_checkpoint_seconds_count") <= checkpoints; i++) {
      Thread.sleep(100);
    }
    after = scrape();
  }

  @Test
  void the_metrics_count_the_traffic() {
    assertEquals(ACCEPTED, delta("parley_sends_total{outcome=\"accepted\"}"), "accepted sends");
    assertEquals(1, delta("parley_sends_total{outcome=\"duplicate\"}"), "resends answered with the stored message");
    assertEquals(1, delta("parley_sends_total{outcome=\"CONVERSATION_NOT_FOUND\"}"), "a send to an unknown conversation");
    assertEquals(1, delta("parley_sends_total{outcome=\"VALIDATION_FAILED\"}"), "a send without text");
    assertEquals(ACCEPTED + 3, delta("parley_sends_total"), "every send is counted once");
    assertEquals(ACCEPTED, delta("parley_messages_stored_total"), "stored messages");
    assertEquals(1, delta("parley_message_changes_total{kind=\"reacted\"}"), "a reaction again is no change");
    assertEquals(1, delta("parley_message_changes_total{kind=\"edited\"}"));
    assertEquals(1, delta("parley_message_changes_total{kind=\"deleted\"}"));

    // The latency histogram: one observation per ack (duplicates are acked too), in Prometheus buckets.
    assertEquals(ACCEPTED + 1, delta("parley_send_seconds_count"), "acks timed");
    assertEquals(ACCEPTED + 1, delta("parley_send_seconds_bucket{le=\"+Inf\"}"), "the +Inf bucket holds every ack");
    assertEquals(ACCEPTED + 1, delta("parley_send_seconds_bucket{le=\"10.0\"}"), "every ack within 10 s");
    assertTrue(delta("parley_send_seconds_sum") > 0, "latency sum");

    // Each message reached both listening connections (alice's own and bob's): at least 2 deliveries each.
    assertTrue(delta("parley_events_delivered_total") >= 2 * ACCEPTED, "deliveries: " + delta("parley_events_delivered_total"));

    // Redis, as Vert.x's client reports it: every send publishes once, and the timer has buckets.
    double redisCommands = delta("vertx_redis_processing_time_seconds_count");
    assertTrue(redisCommands >= ACCEPTED + 1, "Redis commands timed: " + redisCommands);
    assertEquals(redisCommands, delta("vertx_redis_processing_time_seconds_bucket{le=\"+Inf\"}"), "Redis latency is a histogram");

    // MongoDB: each accepted send is a bulk insert into messages (sent one after another, so one batch each).
    double inserts = delta("parley_store_operation_seconds_count{collection=\"messages\",operation=\"bulkWriteWithOptions\",outcome=\"ok\"}");
    assertTrue(inserts >= ACCEPTED, "message inserts timed: " + inserts);
    assertTrue(delta("parley_store_operation_seconds_bucket{collection=\"messages\",operation=\"bulkWriteWithOptions\",outcome=\"ok\",le=\"+Inf\"}")
      >= ACCEPTED, "MongoDB latency is a histogram");

    assertTrue(loginsRefused >= 1, "the login storm was throttled");
    assertEquals(loginsRefused, delta("parley_rate_limited_total{kind=\"login_account\"}"), "refused logins counted by kind");
    assertEquals(0, value(after, "parley_bridge_shed_total"), "nobody was shed, and the counter is there to say so");
    assertTrue(value(after, "parley_store_checkpoint_seconds_count") > 0, "checkpoints timed");
  }

  @Test
  void no_label_names_a_user_a_conversation_or_a_tenant() {
    List<String> identities = List.of(room.roomId(), room.alice().getString("userId"), room.bob().getString("userId"), "acme");
    for (String series : after.keySet()) {
      for (String identity : identities) {
        assertFalse(series.contains(identity), series + " names " + identity);
      }
    }
  }

  @Test
  void every_series_the_dashboard_queries_is_exported() throws Exception {
    Set<String> exported = new TreeSet<>();
    after.keySet().forEach(series -> exported.add(series.split("[{ ]", 2)[0]));
    List<String> expressions = expressions(new JsonObject(Files.readString(DASHBOARD)));
    Map<String, String> missing = new TreeMap<>();
    Set<String> queried = new TreeSet<>();
    for (String expression : expressions) {
      Set<String> names = metricNames(expression);
      assertFalse(names.isEmpty(), "no metric found in " + expression);
      queried.addAll(names);
      names.stream().filter(name -> !exported.contains(name)).forEach(name -> missing.put(name, expression));
    }
    System.out.printf("DASHBOARD: %d expressions, %d series queried, %d missing%n", expressions.size(), queried.size(), missing.size());
    assertTrue(missing.isEmpty(), "the dashboard queries series the node does not export: " + missing);
    assertTrue(queried.size() >= 15, "the dashboard covers Parley's metrics: " + queried);
  }

  @Test
  void metric_names_are_read_out_of_promql() {
    assertEquals(Set.of("parley_send_seconds_bucket"),
      metricNames("histogram_quantile(0.99, sum by (le) (rate(parley_send_seconds_bucket{job=\"parley\"}[$__rate_interval])))"));
    assertEquals(Set.of("a_total", "b_seconds_count"),
      metricNames("sum without (instance) (rate(a_total{outcome!~\"x|y\"}[5m])) / on (job) group_left sum(rate(b_seconds_count[1m] offset 1h)) > bool 1e3"));
  }

  // ---- helpers ----

  /** Every panel's target expressions, rows' nested panels included. */
  private static List<String> expressions(JsonObject dashboard) {
    List<String> found = new ArrayList<>();
    collect(dashboard.getJsonArray("panels", new JsonArray()), found);
    assertFalse(found.isEmpty(), "the dashboard has no queries");
    return found;
  }

  private static void collect(JsonArray panels, List<String> found) {
    for (Object p : panels) {
      JsonObject panel = (JsonObject) p;
      collect(panel.getJsonArray("panels", new JsonArray()), found);
      for (Object t : panel.getJsonArray("targets", new JsonArray())) {
        String expr = ((JsonObject) t).getString("expr");
        if (expr != null) {
          found.add(expr);
        }
      }
    }
  }

  private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without", "on",
    "ignoring", "group_left", "group_right", "inf", "nan");
  private static final Pattern IDENTIFIER = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");

  /** The metric names of a PromQL expression: identifiers that are not functions, keywords, labels or literals. */
  static Set<String> metricNames(String expression) {
    String bare = expression
      .replaceAll("\"(\\\\.|[^\"\\\\])*\"", " ")                                              // strings
      .replaceAll("\\{[^}]*}", " ")                                                           // label matchers
      .replaceAll("\\[[^]]*]", " ")                                                           // ranges
      .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")  // label lists
      .replaceAll("(?<![\\w.])(\\d+(ms|s|m|h|d|w|y))+\\b", " ")                               // durations (offset)
      .replaceAll("(?<![\\w.])\\d+(\\.\\d+)?([eE][+-]?\\d+)?", " ");                          // numbers
    Set<String> names = new TreeSet<>();
    Matcher m = IDENTIFIER.matcher(bare);
    while (m.find()) {
      String rest = bare.substring(m.end()).stripLeading();
      if (!rest.startsWith("(") && !KEYWORDS.contains(m.group().toLowerCase())) {
        names.add(m.group());
      }
    }
    return names;
  }

  /** /metrics as series (name and labels) → value. */
  private static Map<String, Double> scrape() throws Exception {
    String text = await(node.clients().web().get(node.port(), "127.0.0.1", "/metrics").send()).bodyAsString();
    Map<String, Double> samples = new TreeMap<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int space = line.lastIndexOf(' ');
        samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1)));
      }
    }
    return samples;
  }

  /** The sum of the samples whose series starts with {@code series}. */
  private static double value(Map<String, Double> samples, String series) {
    return samples.entrySet().stream().filter(e -> e.getKey().startsWith(series)).mapToDouble(Map.Entry::getValue).sum();
  }

  private static double delta(String series) {
    return value(after, series) - value(before, series);
  }

  private static Throwable failureOf(Future<?> future) throws Exception {
    return await(future.transform(ar -> Future.succeededFuture(ar.failed() ? ar.cause() : new AssertionError("succeeded: " + ar.result()))));
  }
}
