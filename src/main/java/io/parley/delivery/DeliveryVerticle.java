package io.parley.delivery;

import io.parley.attachments.api.AttachmentsClient;
import io.parley.common.BusRequests;
import io.parley.common.BusService;
import io.parley.common.Concern;
import io.parley.common.Fields;
import io.parley.config.ParleyConfig;
import io.parley.delivery.api.DeleteMessage;
import io.parley.delivery.api.DeliveryAddresses;
import io.parley.delivery.api.DeliveryLimits;
import io.parley.delivery.api.EditMessage;
import io.parley.delivery.api.HistoryPage;
import io.parley.delivery.api.React;
import io.parley.delivery.api.SendMessage;
import io.parley.delivery.api.ThreadPage;
import io.parley.fanout.EventFanout;
import io.parley.fanout.Fanouts;
import io.parley.rooms.api.RoomsClient;
import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.ext.mongo.MongoClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;

/** Wires {@link DeliveryService} to the delivery addresses; on stop, lets accepted sends finish. */
public class DeliveryVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveryVerticle.class);

  private ParleyConfig config;
  private MongoClient mongo;
  private EventFanout fanout;
  private BusService bus;
  private DeliveryService delivery;

  @Override
  public Future<?> start() {
    config = ParleyConfig.of(config());
    DeliveryLimits limits = new DeliveryLimits(config.messageMaxBytes(), config.pageMax(), config.syncBatch(), config.sendsInFlight());
    Clock clock = Clock.systemUTC();
    mongo = Mongo.client(vertx, config);
    fanout = Fanouts.create(vertx, config);
    MessageLog messages = new MessageLog(mongo, clock);
    Threads threads = new Threads(mongo);
    MessageFiles files = MessageFiles.of(new AttachmentsClient(BusRequests.of(vertx)));
    delivery = new DeliveryService(messages, new ChangeLog(mongo, messages, files, clock), new ThreadReplies(messages, threads),
      Conversations.of(new RoomsClient(BusRequests.of(vertx))), files, fanout, limits, config.roomWideMentions(), clock);
    SendMeters sends = new SendMeters();
    bus = new BusService(vertx.eventBus(), Concern.DELIVERY, MongoErrors::classify)
      .serve(DeliveryAddresses.SEND, (caller, body) -> sends.measure(() -> delivery.send(caller, SendMessage.fromJson(body, limits))))
      .serve(DeliveryAddresses.HISTORY, (caller, body) -> delivery.history(caller, HistoryPage.fromJson(body, limits)))
      .serve(DeliveryAddresses.THREAD, (caller, body) -> delivery.thread(caller, ThreadPage.fromJson(body, limits)))
      .serve(DeliveryAddresses.SYNC, (caller, body) -> delivery.sync(caller, Fields.optionalObject(body, "positions")))
      .serve(DeliveryAddresses.EDIT, (caller, body) -> delivery.edit(caller, EditMessage.fromJson(body, limits)))
      .serve(DeliveryAddresses.DELETE, (caller, body) -> delivery.delete(caller, DeleteMessage.fromJson(body)))
      .serve(DeliveryAddresses.REACT, (caller, body) -> delivery.react(caller, React.fromJson(body), true))
      .serve(DeliveryAddresses.UNREACT, (caller, body) -> delivery.react(caller, React.fromJson(body), false));
    delivery.followMembershipRemovals();
    return delivery.ensureIndexes().compose(v -> threads.ensureIndexes()).compose(v -> bus.ready());
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
    if (delivery.appending() == 0 || System.currentTimeMillis() > deadline) {
      if (delivery.appending() > 0) {
        LOG.warn("shutting down with {} conversations still appending", delivery.appending());
      }
      drained.tryComplete();
    } else {
      vertx.setTimer(20, t -> awaitDrain(drained, deadline));
    }
  }
}
