package io.parley.delivery;

import io.micrometer.core.instrument.Counter;
import io.parley.common.BusService;
import io.parley.common.Caller;
import io.parley.common.Fields;
import io.parley.common.Meters;
import io.parley.config.ParleyConfig;
import io.parley.fanout.Channels;
import io.parley.fanout.EventFanout;
import io.parley.fanout.Events;
import io.parley.fanout.Fanouts;
import io.parley.rooms.RoomsAddresses;
import io.parley.store.Mongo;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/** Sends (sequence, dedup, durable ack, fan-out), history pages and reconnect catch-up. */
public class DeliveryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryVerticle.class);
  private static final Pattern CLIENT_MSG_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
  private static final int DEFAULT_PAGE = 50;

  private ParleyConfig config;
  private MongoClient mongo;
  private MessageLog log;
  private EventFanout fanout;
  private BusService bus;
  private final ConversationQueue queue = new ConversationQueue();
  private Counter stored;
  private static final long FANOUT_WARNING_INTERVAL_MS = 10_000;
  private long lastFanoutWarning;
  private long suppressedFanoutWarnings;

  @Override
  public Future<?> start() {
    config = ParleyConfig.of(config());
    mongo = Mongo.client(vertx, config);
    log = new MessageLog(mongo);
    fanout = Fanouts.create(vertx, config);
    stored = Counter.builder("parley_messages_stored").description("messages durably stored (acks sent)")
      .register(Meters.registry());
    bus = new BusService(vertx.eventBus())
      .serve(DeliveryAddresses.SEND, this::send)
      .serve(DeliveryAddresses.HISTORY, this::history)
      .serve(DeliveryAddresses.SYNC, this::sync)
      .serveAnonymous(DeliveryAddresses.PING, body -> Future.succeededFuture(new JsonObject()));
    return log.ensureIndexes().compose(v -> bus.ready());
  }

  /** Stops taking sends, then lets the ones already accepted finish before the store closes. */
  @Override
  public Future<?> stop() {
    Promise<Void> drained = Promise.promise();
    long deadline = System.currentTimeMillis() + config.shutdownGraceMs();
    bus.close().onComplete(ar -> awaitDrain(drained, deadline));
    return drained.future().compose(v -> Future.all(fanout.close(), mongo.close()));
  }

  private void awaitDrain(Promise<Void> drained, long deadline) {
    if (queue.inFlight() == 0 || System.currentTimeMillis() > deadline) {
      if (queue.inFlight() > 0) {
        LOG.warn("shutting down with {} conversations still appending", queue.inFlight());
      }
      drained.tryComplete();
    } else {
      vertx.setTimer(20, t -> awaitDrain(drained, deadline));
    }
  }

  private Future<JsonObject> send(Caller caller, JsonObject body) {
    String conversationId = Fields.requiredString(body, "conversationId", 64);
    String clientMsgId = Fields.matching(body, "clientMsgId", CLIENT_MSG_ID, "must be 1-64 letters, digits or ._:-");
    String text = Fields.requiredString(body, "text", config.messageMaxBytes());
    return requireMember(caller, conversationId)
      .compose(membership -> queue.run(conversationId, () -> log.append(caller, conversationId, clientMsgId, text)))
      .map(appended -> {
        JsonObject message = MessageView.of(appended.message());
        // Published again for a resend too: the node that stored the original may have died before
        // publishing it, and only a publish reaches the members connected now. Clients drop seqs they
        // hold. The store is the truth: a failed publish only delays live delivery until the next sync.
        fanout.publish(Channels.conversation(caller.tenant(), conversationId),
            Events.of(Events.MESSAGE, conversationId).put("message", message))
          .onFailure(this::fanoutFailed);
        if (!appended.duplicate()) {
          stored.increment();
          // Senders have read what they wrote; without this their own messages would count as unread.
          vertx.eventBus().request(RoomsAddresses.READ,
              new JsonObject().put("conversationId", conversationId).put("seq", message.getLong("seq")), caller.deliveryOptions())
            .onFailure(err -> LOG.debug("advancing the sender's read position failed: {}", err.toString()));
        }
        return message.copy().put("duplicate", appended.duplicate());
      });
  }

  /** One warning per outage window, not one per message: during a Redis outage every send fails to publish. */
  private void fanoutFailed(Throwable err) {
    long now = System.currentTimeMillis();
    if (now - lastFanoutWarning >= FANOUT_WARNING_INTERVAL_MS) {
      LOG.warn("fan-out publish failed ({} more since the last warning); clients catch up by sync: {}",
        suppressedFanoutWarnings, err.toString());
      lastFanoutWarning = now;
      suppressedFanoutWarnings = 0;
    } else {
      suppressedFanoutWarnings++;
    }
  }

  private Future<JsonObject> history(Caller caller, JsonObject body) {
    String conversationId = Fields.requiredString(body, "conversationId", 64);
    long after = Fields.optionalLong(body, "after", 0, Long.MAX_VALUE, -1);
    long before = Fields.optionalLong(body, "before", 1, Long.MAX_VALUE, -1);
    int limit = (int) Fields.optionalLong(body, "limit", 1, config.pageMax(), DEFAULT_PAGE);
    return requireMember(caller, conversationId)
      .compose(m -> log.page(caller.tenant(), conversationId, after, before, limit + 1))
      .map(found -> page(found, limit, after >= 0));
  }

  private Future<JsonObject> sync(Caller caller, JsonObject body) {
    JsonObject claimed = Fields.optionalObject(body, "positions");
    return vertx.eventBus().<JsonObject>request(RoomsAddresses.POSITIONS, new JsonObject(), caller.deliveryOptions())
      .compose(reply -> {
        // Only the caller's own conversations count, whatever ids the client names.
        JsonObject readPositions = reply.body().getJsonObject("positions");
        List<String> ids = new ArrayList<>(readPositions.fieldNames());
        List<Future<JsonObject>> pages = new ArrayList<>();
        for (String id : ids) {
          long from = claimed.getValue(id) instanceof Number seen ? Math.max(0, seen.longValue()) : readPositions.getLong(id);
          pages.add(log.page(caller.tenant(), id, from, -1, config.syncBatch() + 1)
            .map(found -> page(found, config.syncBatch(), true).put("readSeq", readPositions.getLong(id))));
        }
        return Future.all(pages).map(all -> {
          JsonObject conversations = new JsonObject();
          for (int i = 0; i < ids.size(); i++) {
            conversations.put(ids.get(i), pages.get(i).result());
          }
          return new JsonObject().put("conversations", conversations);
        });
      });
  }

  private Future<JsonObject> requireMember(Caller caller, String conversationId) {
    return vertx.eventBus().<JsonObject>request(RoomsAddresses.MEMBERSHIP,
      new JsonObject().put("conversationId", conversationId), caller.deliveryOptions()).map(reply -> reply.body());
  }

  /** Trims the one-extra lookahead row; it only tells whether there is more in the paging direction. */
  private static JsonObject page(List<JsonObject> found, int limit, boolean forward) {
    boolean hasMore = found.size() > limit;
    List<JsonObject> kept = !hasMore ? found : forward ? found.subList(0, limit) : found.subList(found.size() - limit, found.size());
    return new JsonObject()
      .put("messages", new JsonArray(kept.stream().map(MessageView::of).toList()))
      .put("hasMore", hasMore);
  }
}
