package io.parley.common;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.shareddata.Shareable;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.core.spi.cluster.NodeListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How this node asks a concern over the event bus: every forwarding path (gateway REST and bridge, the
 * typed clients) goes through {@link #request}.
 *
 * <p>Vert.x's clustered bus picks a node round-robin among all nodes with a consumer, and a request
 * written to a node that then dies waits out its whole timeout: the reply handler is failed early only
 * by a {@code ReplyException} (e.g. no handlers), never by the connection to that node closing. So:
 * <ul>
 *   <li>a concern deployed on this node is asked here only ({@code setLocalOnly}): no peer can hold the
 *       caller, and no hop is paid;</li>
 *   <li>a request that may leave the node is tracked until answered, and when the cluster manager reports a
 *       member gone, every such request still in flight fails at once with {@code SERVICE_UNAVAILABLE}
 *       (which node Vert.x picked is not visible, so all of them: its outcome is unknown either way, as
 *       after a TIMEOUT). Vert.x may still pick the dead node for a moment after the member is dropped (its
 *       node selector learns of the lost registrations a little later), so those still in flight
 *       {@value #SETTLE_MS} ms after the departure that were sent before half of that are failed too.</li>
 * </ul>
 * One per Vert.x instance, installed by the node ({@link #install}); {@link #of} finds it.
 */
public final class BusRequests implements Shareable {

  private static final Logger LOG = LoggerFactory.getLogger(BusRequests.class);

  static final long SETTLE_MS = 500;
  public static final String MEMBER_LEFT = "a cluster member left while this request was in flight; retry"
    + " (sends are idempotent by clientMsgId)";
  private static final String MAP = "parley.node";
  private static final String KEY = "bus-requests";

  private final Vertx vertx;
  private final Set<Concern> local;
  private final Map<Long, Pending> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();

  private record Pending(Context context, Promise<?> answer, long sentNanos) {
  }

  BusRequests(Vertx vertx, Set<Concern> local) {
    this.vertx = vertx;
    this.local = local.isEmpty() ? EnumSet.noneOf(Concern.class) : EnumSet.copyOf(local);
  }

  /** The node's requests: {@code local} are the concerns deployed here; departures come from {@code cluster}. */
  public static BusRequests install(Vertx vertx, Set<Concern> local, ClusterManager cluster) {
    BusRequests requests = new BusRequests(vertx, local);
    if (cluster != null) {
      // Vert.x itself listens only with HA enabled, which Parley does not use.
      cluster.nodeListener(new NodeListener() {
        @Override
        public void nodeAdded(String nodeId) {
        }

        @Override
        public void nodeLeft(String nodeId) {
          requests.memberLeft(nodeId);
        }
      });
    }
    vertx.sharedData().getLocalMap(MAP).put(KEY, requests);
    return requests;
  }

  /** The node's instance; without one (a test deploying a verticle alone), every concern is asked on the bus. */
  public static BusRequests of(Vertx vertx) {
    Object installed = vertx.sharedData().getLocalMap(MAP).get(KEY);
    return installed instanceof BusRequests requests ? requests : new BusRequests(vertx, Set.of());
  }

  public <T> Future<Message<T>> request(String address, Object body, DeliveryOptions options) {
    Concern concern = concernOf(address);
    if (concern != null && local.contains(concern)) {
      return vertx.eventBus().request(address, body, new DeliveryOptions(options).setLocalOnly(true));
    }
    if (!vertx.isClustered()) {
      return vertx.eventBus().request(address, body, options);
    }
    long id = ids.incrementAndGet();
    Promise<Message<T>> answer = Promise.promise();
    inFlight.put(id, new Pending(vertx.getOrCreateContext(), answer, System.nanoTime()));
    vertx.eventBus().<T>request(address, body, options).onComplete(ar -> {
      inFlight.remove(id);
      if (ar.succeeded()) {
        answer.tryComplete(ar.result());
      } else {
        answer.tryFail(ar.cause());
      }
    });
    return answer.future();
  }

  /** Requests that may have left this node and are not answered yet. */
  public int remoteInFlight() {
    return inFlight.size();
  }

  /** Fails every request in flight that may have gone to the departed member, now and once more after a moment. */
  void memberLeft(String nodeId) {
    long left = System.nanoTime();
    int failed = failSentBefore(left, true);
    LOG.warn("cluster member {} left: {} requests in flight to other nodes answered SERVICE_UNAVAILABLE", nodeId, failed);
    vertx.setTimer(SETTLE_MS, t -> {
      int late = failSentBefore(left + SETTLE_MS * 1_000_000 / 2, false);
      if (late > 0) {
        LOG.warn("cluster member {} left: {} more requests sent just after it answered SERVICE_UNAVAILABLE", nodeId, late);
      }
    });
  }

  private int failSentBefore(long nanos, boolean all) {
    int failed = 0;
    for (Map.Entry<Long, Pending> entry : inFlight.entrySet()) {
      Pending pending = entry.getValue();
      if ((all || pending.sentNanos() - nanos < 0) && inFlight.remove(entry.getKey(), pending)) {
        failed++;
        pending.context().runOnContext(v -> pending.answer().tryFail(new Failure(CommonError.SERVICE_UNAVAILABLE, MEMBER_LEFT)));
      }
    }
    return failed;
  }

  /** {@code parley.<concern>.…} → the concern, or null for any other address. */
  static Concern concernOf(String address) {
    int start = address.indexOf('.');
    int end = start < 0 ? -1 : address.indexOf('.', start + 1);
    return start < 0 || end < 0 || !address.startsWith("parley.") ? null : Concern.ofKey(address.substring(start + 1, end));
  }
}
