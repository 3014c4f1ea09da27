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
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
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
 *       after a TIMEOUT). Two reports come: the membership change as Hazelcast sees it
 *       ({@link #memberDropped}, at once), and Vert.x's {@code nodeLeft} once it has removed the member's
 *       registrations (hundreds of ms later, 1.5 s seen under load). Until then, and for a moment after
 *       (its node selector learns of the removal through events), Vert.x may still pick the dead node —
 *       and a request written to it, or failing to connect to it, would wait out its timeout. So between
 *       the two reports and for {@value #SETTLE_MS} ms after the second, requests that would leave the node
 *       are refused at once with {@code SERVICE_UNAVAILABLE}, before anything is done.</li>
 * </ul>
 * One per Vert.x instance, installed by the node ({@link #install}); {@link #of} finds it.
 */
public final class BusRequests implements Shareable {

  private static final Logger LOG = LoggerFactory.getLogger(BusRequests.class);

  static final long SETTLE_MS = 300;
  /** How long a departure Hazelcast reported waits for Vert.x's report before requests flow again. */
  static final long LEFT_WAIT_MAX_MS = 5000;
  public static final String MEMBER_LEAVING = "a cluster member is leaving; retry in a moment";
  public static final String MEMBER_LEFT = "a cluster member left while this request was in flight; retry"
    + " (sends are idempotent by clientMsgId)";
  private static final String MAP = "parley.node";
  private static final String KEY = "bus-requests";

  private final Vertx vertx;
  private final Set<Concern> local;
  private final Map<Long, Pending> inFlight = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  /** Departures reported by Hazelcast and not yet by Vert.x; while any, or settling, remote requests are refused. */
  private final Queue<Object> departures = new ConcurrentLinkedQueue<>();
  private final AtomicInteger settling = new AtomicInteger();

  private record Pending(Context context, Promise<?> answer) {
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
    if (!departures.isEmpty() || settling.get() > 0) {
      return Failure.fail(CommonError.SERVICE_UNAVAILABLE, MEMBER_LEAVING);
    }
    long id = ids.incrementAndGet();
    Promise<Message<T>> answer = Promise.promise();
    inFlight.put(id, new Pending(vertx.getOrCreateContext(), answer));
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

  /** The cluster's own membership dropped a member: fails every request in flight that may have gone to it. */
  public void memberDropped(String member) {
    Object departure = new Object();
    departures.add(departure);
    vertx.setTimer(LEFT_WAIT_MAX_MS, t -> departures.remove(departure));
    int failed = failAll();
    LOG.warn("cluster member {} dropped: {} requests in flight to other nodes answered SERVICE_UNAVAILABLE", member, failed);
  }

  /** Vert.x removed the member's registrations: fails what is in flight; requests flow again after a moment. */
  void memberLeft(String nodeId) {
    departures.poll();
    settling.incrementAndGet();
    vertx.setTimer(SETTLE_MS, t -> settling.decrementAndGet());
    int failed = failAll();
    LOG.warn("cluster member {} left: {} more requests in flight to other nodes answered SERVICE_UNAVAILABLE", nodeId, failed);
  }

  private int failAll() {
    int failed = 0;
    for (Map.Entry<Long, Pending> entry : inFlight.entrySet()) {
      Pending pending = entry.getValue();
      if (inFlight.remove(entry.getKey(), pending)) {
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
