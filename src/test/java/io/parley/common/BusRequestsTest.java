package io.parley.common;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link BusRequests} on a real two-member Hazelcast cluster in this JVM: local preference, and requests
 * in flight on a member that leaves answered at once instead of at their timeout — each beside what plain
 * {@code eventBus().request} does in the same situation, so the test shows what it guards against.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BusRequestsTest {

  private static final String ROOMS_PROBE = "parley.rooms.probe";
  private static final String DELIVERY_PROBE = "parley.delivery.probe";

  private Vertx a;
  private Vertx b;
  private HazelcastClusterManager managerA;

  @BeforeEach
  void cluster() throws Exception {
    String name = "bus-requests-" + UUID.randomUUID();
    int portA = freePort();
    int portB = freePort();
    managerA = new HazelcastClusterManager(hazelcast(name, portA, portB));
    Future<Vertx> startA = Vertx.builder().with(options()).withClusterManager(managerA).buildClustered();
    Future<Vertx> startB = Vertx.builder().with(options())
      .withClusterManager(new HazelcastClusterManager(hazelcast(name, portB, portA))).buildClustered();
    a = await(startA, 90);
    b = await(startB, 90);
    assertEquals(2, managerA.getNodes().size(), "two members");
  }

  @AfterEach
  void close() throws Exception {
    for (Vertx vertx : new Vertx[] {b, a}) {
      if (vertx != null) {
        await(vertx.close(), 30);
      }
    }
  }

  @Test
  void a_concern_deployed_here_is_asked_here_only() throws Exception {
    await(a.eventBus().consumer(ROOMS_PROBE, m -> m.reply("a")).completion());
    await(b.eventBus().consumer(ROOMS_PROBE, m -> m.reply("b")).completion());
    BusRequests requests = new BusRequests(a, Set.of(Concern.ROOMS));

    Set<Object> viaBusRequests = new HashSet<>();
    Set<Object> viaPlainRequest = new HashSet<>();
    for (int i = 0; i < 20; i++) {
      viaBusRequests.add(await(requests.request(ROOMS_PROBE, "?", new DeliveryOptions())).body());
      viaPlainRequest.add(await(a.eventBus().request(ROOMS_PROBE, "?")).body());
    }
    assertEquals(Set.of("a"), viaBusRequests, "rooms runs on this node: every request answered here");
    assertEquals(Set.of("a", "b"), viaPlainRequest, "plain requests round-robin over both members");
    assertEquals(0, requests.remoteInFlight());
  }

  @Test
  void requests_in_flight_on_a_member_that_leaves_are_answered_at_once() throws Exception {
    AtomicInteger received = new AtomicInteger();
    // delivery runs only on b, and never answers: as if b died while working on the requests.
    await(b.eventBus().consumer(DELIVERY_PROBE, m -> received.incrementAndGet()).completion());
    BusRequests requests = BusRequests.install(a, Set.of(Concern.AUTH, Concern.ROOMS), managerA);
    DeliveryOptions patient = new DeliveryOptions().setSendTimeout(60_000);

    List<Future<Message<Object>>> tracked = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      tracked.add(requests.request(DELIVERY_PROBE, new JsonObject(), patient));
    }
    Future<Message<Object>> plain = a.eventBus().request(DELIVERY_PROBE, new JsonObject(), patient);
    long deadline = System.currentTimeMillis() + 10_000;
    while (received.get() < 6 && System.currentTimeMillis() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(6, received.get(), "every request reached b");
    assertEquals(5, requests.remoteInFlight());

    long leaving = System.nanoTime();
    await(b.close(), 30);
    b = null;
    for (Future<Message<Object>> request : tracked) {
      Throwable failure = await(request.transform(Future::succeededFuture).map(ar -> ar.cause()), 5);
      Failure typed = assertInstanceOf(Failure.class, failure, "answered with a typed failure: " + failure);
      assertEquals(CommonError.SERVICE_UNAVAILABLE, typed.error());
    }
    long answeredMs = (System.nanoTime() - leaving) / 1_000_000;
    System.out.println("BUS REQUESTS: 5 requests in flight on a member that left answered SERVICE_UNAVAILABLE "
      + answeredMs + " ms after it began leaving");
    assertTrue(answeredMs < 5_000, "answered within seconds of the member leaving, not at the 60 s timeout: " + answeredMs);
    assertEquals(0, requests.remoteInFlight());
    Thread.sleep(1000);
    assertFalse(plain.isComplete(), "a plain request to the departed member still waits for its timeout");
  }

  @Test
  void concerns_are_read_from_addresses() {
    assertEquals(Concern.DELIVERY, BusRequests.concernOf("parley.delivery.send"));
    assertEquals(Concern.AUTH, BusRequests.concernOf("parley.auth.users.resolve"));
    assertNull(BusRequests.concernOf("parley.client.acme.u1"));
    assertNull(BusRequests.concernOf("elsewhere.delivery.send"));
    assertNull(BusRequests.concernOf("parley"));
  }

  private static VertxOptions options() {
    VertxOptions options = new VertxOptions();
    options.getEventBusOptions().setHost("127.0.0.1").setPort(0);
    return options;
  }

  private static Config hazelcast(String name, int port, int peer) {
    Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(name);
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.wait.seconds.before.join", "1");
    hz.setProperty("hazelcast.socket.bind.any", "false");
    hz.getNetworkConfig().setPort(port).setPortAutoIncrement(false).getInterfaces().setEnabled(true).addInterface("127.0.0.1");
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + port).addMember("127.0.0.1:" + peer);
    return hz;
  }

  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
