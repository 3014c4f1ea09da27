package io.parley.gateway.receipts;

import io.parley.common.Caller;
import io.parley.delivery.api.DeliveryAddresses;
import io.parley.fanout.Events;
import io.parley.rooms.api.ReceiptSettings;
import io.parley.rooms.api.RoomsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Where "delivered" is recorded: the gateway knows when a connection of a user is handed a message — a live
 * {@code message} event written to it, or a sync answer — and tells rooms. Notes are coalesced: kept per
 * user and conversation at the highest seq ({@link PendingDeliveries}) and reported every {@value #FLUSH_MS}
 * ms as one {@code parley.rooms.delivered} request per user, so a busy room costs each member one write per
 * flush, not one per message. A lost report is not repaired, but it need not be: positions only move
 * forward, the next message handed over reports a higher seq, and a read implies delivery.
 *
 * <p>Not thread-safe: one per gateway verticle, used from its context (bridge and REST handlers run there).
 */
public final class DeliveredPositions {

  private static final Logger LOG = LoggerFactory.getLogger(DeliveredPositions.class);
  /** Long enough to fold a burst of messages into one write per member, short enough for a sender watching ticks. */
  static final long FLUSH_MS = 300;
  /** (user, conversation) entries held between flushes (about 100 bytes each); past it they are reported early. */
  static final int PENDING_MAX = 10_000;
  /** A report is worth little once late; its request does not outlive this. */
  private static final long REPORT_TIMEOUT_MS = 5_000;

  private final Vertx vertx;
  private final RoomsClient rooms;
  private final ReceiptSettings settings;
  private final PendingDeliveries pending = new PendingDeliveries(PENDING_MAX);
  private long timer = -1;

  public DeliveredPositions(Vertx vertx, RoomsClient rooms, ReceiptSettings settings) {
    this.vertx = vertx;
    this.rooms = rooms;
    this.settings = settings;
  }

  /** An event was written to a connection of {@code recipient}: a message from someone else is delivered. */
  public void written(Caller recipient, JsonObject event) {
    JsonObject message = event.getJsonObject("message");
    if (Events.MESSAGE.equals(event.getString("type")) && message != null
      && !recipient.userId().equals(message.getString("senderId"))) {
      note(recipient, event.getString("conversationId"), message.getLong("seq", 0L));
    }
  }

  /** {@code caller} was answered on {@code address}: a sync answer delivers each conversation's newest message in it. */
  public void answered(Caller caller, String address, JsonObject answer) {
    JsonObject conversations = answer.getJsonObject("conversations");
    if (!DeliveryAddresses.SYNC.equals(address) || conversations == null) {
      return;
    }
    conversations.forEach(page -> {
      JsonArray messages = page.getValue() instanceof JsonObject p ? p.getJsonArray("messages") : null;
      if (messages != null && !messages.isEmpty()) {
        note(caller, page.getKey(), messages.getJsonObject(messages.size() - 1).getLong("seq", 0L));
      }
    });
  }

  /** Reports what is pending now (at shutdown); completes once rooms answered each report. */
  public Future<Void> flush() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
    List<Future<Void>> reports = pending.drain().stream()
      .map(batch -> rooms.delivered(batch.caller(), batch.positions(), REPORT_TIMEOUT_MS)
        .onFailure(err -> LOG.debug("delivered positions of user {} not reported: {}", batch.caller().userId(), err.toString())))
      .toList();
    return Future.join(reports).mapEmpty();
  }

  private void note(Caller caller, String conversationId, long seq) {
    if (seq < 1 || conversationId == null || !settings.on(caller.tenant())) {
      return;
    }
    if (!pending.note(caller, conversationId, seq)) {
      flush();
      pending.note(caller, conversationId, seq);
    }
    if (timer < 0) {
      timer = vertx.setTimer(FLUSH_MS, t -> {
        timer = -1;
        flush();
      });
    }
  }
}
