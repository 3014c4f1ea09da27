package io.parley.attachments;

import io.parley.attachments.api.AttachmentsAddresses;
import io.parley.attachments.api.ClaimAttachments;
import io.parley.common.BusRequests;
import io.parley.common.BusService;
import io.parley.common.Concern;
import io.parley.config.ParleyConfig;
import io.parley.rooms.api.RoomsClient;
import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Wires {@link AttachmentsService} to the attachments addresses and runs the sweep of uploads no message took. */
public class AttachmentsVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AttachmentsVerticle.class);

  private MongoClient mongo;
  private Attachments attachments;
  private long sweeps = -1;
  private boolean sweeping;

  @Override
  public Future<?> start() {
    ParleyConfig config = ParleyConfig.of(config());
    mongo = Mongo.client(vertx, config);
    return Attachments.create(vertx, config, mongo, new RoomsClient(BusRequests.of(vertx))).compose(ready -> {
      attachments = ready;
      AttachmentsService service = ready.service();
      BusService bus = new BusService(vertx.eventBus(), Concern.ATTACHMENTS, MongoErrors::classify)
        .serve(AttachmentsAddresses.CLAIM, (caller, body) -> service.claim(caller, ClaimAttachments.fromJson(body)))
        .serve(AttachmentsAddresses.DISCARD, (caller, body) -> service.discard(caller,
          body.getJsonArray("attachmentIds").stream().map(String::valueOf).toList()).map(v -> new JsonObject()));
      long every = Math.min(60_000, Math.max(1000, ready.settings().unclaimedTtlMs() / 4));
      sweeps = vertx.setPeriodic(every, t -> sweep());
      return DailyQuota.expireOldDays(mongo).compose(v -> bus.ready());
    });
  }

  /** One sweep at a time per instance; a failed one is retried at the next tick. */
  private void sweep() {
    if (sweeping) {
      return;
    }
    sweeping = true;
    attachments.sweep().sweep(System.currentTimeMillis())
      .onSuccess(removed -> {
        if (removed > 0) {
          LOG.info("removed {} uploads no message took in time", removed);
        }
      })
      .onFailure(err -> LOG.warn("sweep of unclaimed uploads failed: {}", err.toString()))
      .onComplete(done -> sweeping = false);
  }

  @Override
  public Future<?> stop() {
    vertx.cancelTimer(sweeps);
    return Future.all(attachments == null ? Future.succeededFuture() : attachments.close(),
      mongo == null ? Future.succeededFuture() : mongo.close());
  }
}
