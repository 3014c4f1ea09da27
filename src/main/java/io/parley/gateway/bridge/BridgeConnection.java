package io.parley.gateway.bridge;

import io.parley.common.BusRequests;
import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.common.ErrorCode;
import io.parley.common.ErrorCodes;
import io.parley.common.Failure;
import io.parley.common.RequestIds;
import io.parley.fanout.Events;
import io.parley.gateway.errors.GatewayErrors;
import io.parley.gateway.receipts.DeliveredPositions;
import io.parley.rooms.api.RoomsClient;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One SockJS connection speaking the event-bus bridge protocol. Every frame is authorized from the
 * JWT in its {@code authorization} header; requests are forwarded with the verified identity in place
 * of whatever headers the client sent, and the client may register nothing but its own inbox.
 */
final class BridgeConnection {

  private static final Logger LOG = LoggerFactory.getLogger(BridgeConnection.class);

  private final Vertx vertx;
  private final ConnectionAuth auth;
  private final ClientRegistry registry;
  private final ConversationLister conversations;
  private final BridgeSettings settings;
  private final RequestAdmission admission;
  private final ClientOutbox outbox;
  private final DeliveredPositions delivered;
  private final LiveRequests live;
  /** Presence events already passed to this client (a contact's change comes once per shared conversation). */
  private final LiveEvents.Seen presenceSeen = new LiveEvents.Seen();
  private boolean present;
  /** In every log line of this connection; its requests' ids are {@code <connectionId>.<n>}. */
  private final String connectionId = RequestIds.next();
  private long requests;
  private String inbox;
  private long lastSeen = System.currentTimeMillis();
  private boolean draining;
  private final Consumer<BridgeConnection> closedHandler;
  private boolean closed;
  /** Events that arrive while the registration lists conversations; written right after "ready". */
  private List<Buffer> held;

  BridgeConnection(Vertx vertx, ClientSocket socket, ConnectionAuth auth, ClientRegistry registry, BridgeSettings settings,
                   RequestAdmission admission, DeliveredPositions delivered, LiveRequests live,
                   Consumer<BridgeConnection> closedHandler) {
    this.vertx = vertx;
    this.closedHandler = closedHandler;
    this.auth = auth;
    this.registry = registry;
    this.conversations = new ConversationLister(new RoomsClient(BusRequests.of(vertx)), settings.requestTimeoutMs());
    this.settings = settings;
    this.admission = admission;
    this.delivered = delivered;
    this.live = live;
    this.outbox = new ClientOutbox(vertx, socket, settings.queuedBytesMax(), this::onClosed);
    socket.handler(this::onFrame);
    socket.endHandler(v -> onClosed());
    socket.exceptionHandler(err -> LOG.atDebug().addKeyValue("connectionId", connectionId).log("bridge socket error: {}", err.toString()));
  }

  Caller caller() {
    return auth.caller();
  }

  LiveEvents.Seen presenceSeen() {
    return presenceSeen;
  }

  String inbox() {
    return inbox;
  }

  long lastSeen() {
    return lastSeen;
  }

  /** True for a registered connection whose newest verified token expired longer than the grace ago. */
  boolean tokenLapsed() {
    return inbox != null && held == null && auth.lapsed();
  }

  /** Requests forwarded and not yet answered. */
  int inFlight() {
    return admission.inFlight();
  }

  /** From now on new requests are refused; those in flight still get their answer. */
  void drain() {
    draining = true;
  }

  /** Delivers an event to the inbox; held back while the registration has not sent "ready" yet. */
  boolean deliver(Buffer event) {
    if (held != null) {
      held.add(event);
      return true;
    }
    return write(event);
  }

  /**
   * Writes a frame unless the client cannot keep up; a client that falls behind is disconnected and
   * catches up through sync on reconnect, rather than the server buffering without bound.
   */
  boolean write(Buffer frame) {
    if (closed) {
      return false;
    }
    if (!outbox.offer(frame)) {
      close(CloseCodes.TOO_SLOW, "too slow; reconnect and sync");
      return false;
    }
    return true;
  }

  void close(int code, String reason) {
    if (!closed) {
      LOG.atInfo().addKeyValue("connectionId", connectionId)
        .log("closing the bridge connection of user {}: {} {}", userLabel(), code, reason);
      onClosed();
      outbox.close(code, reason);
    }
  }

  private void onClosed() {
    if (!closed) {
      LOG.atDebug().addKeyValue("connectionId", connectionId).log("bridge connection of user {} ended", userLabel());
      closed = true;
      outbox.release();
      unregister();
      closedHandler.accept(this);
    }
  }

  private void onFrame(Buffer data) {
    lastSeen = System.currentTimeMillis();
    JsonObject frame;
    try {
      frame = new JsonObject(data);
    } catch (DecodeException | ClassCastException e) {
      refuse("invalid_json");
      return;
    }
    String type = frame.getValue("type") instanceof String t ? t : null;
    if (type == null) {
      refuse("missing_type");
      return;
    }
    if (type.equals("ping")) {
      return;
    }
    if (!(frame.getValue("address") instanceof String address)) {
      refuse("missing_address");
      return;
    }
    switch (type) {
      case "send" -> onSend(address, frame);
      case "register" -> onRegister(address, frame);
      case "unregister" -> onUnregister(address);
      case "publish" -> refuse("access_denied");
      default -> refuse("invalid_type");
    }
  }

  private void onSend(String address, JsonObject frame) {
    Object replyAddress = frame.getValue("replyAddress");
    if (!(replyAddress instanceof String reply) || reply.isEmpty() || reply.length() > 64) {
      // Every client-facing address is request/reply; a send without a reply address would vanish unanswered.
      refuse("reply_address_required");
      return;
    }
    if (!ClientAddresses.REQUESTS.contains(address)) {
      writeFailure(reply, new Failure(CommonError.FORBIDDEN, "address not open to clients"));
      return;
    }
    if (!(frame.getValue("body") instanceof JsonObject body)) {
      writeFailure(reply, new Failure(CommonError.VALIDATION_FAILED, "body must be a JSON object"));
      return;
    }
    if (draining) {
      writeFailure(reply, new Failure(CommonError.SERVICE_UNAVAILABLE, "server is shutting down; resend after reconnecting"));
      return;
    }
    String ticket;
    try {
      ticket = admission.admit(auth.caller());
    } catch (Failure limited) {
      writeFailure(reply, limited);
      return;
    }
    auth.authenticate(frame)
      .compose(who -> admission.withinRate(address, who))
      .compose(who -> {
        live.active(who);
        return LiveRequests.handles(address) ? live.handle(this, who, address, body)
          : BusRequests.of(vertx).<JsonObject>request(address, body, who.deliveryOptions().setSendTimeout(settings.requestTimeoutMs())
            .addHeader(RequestIds.HEADER, connectionId + "." + ++requests)).map(answer -> answer.body());
      })
      .onComplete(ar -> admission.finished(ticket))
      .onSuccess(answer -> {
        if (write(Frames.rec(reply, answer))) {
          delivered.answered(auth.caller(), address, answer);
        }
      })
      .onFailure(err -> writeFailure(reply, err));
  }

  private void onRegister(String address, JsonObject frame) {
    auth.authenticate(frame).compose(who -> {
      if (!address.equals(ClientAddresses.inbox(who))) {
        return Failure.fail(CommonError.FORBIDDEN, "a client may register only its own inbox " + ClientAddresses.INBOX_PREFIX + "<tenant>.<userId>");
      }
      if (inbox != null) {
        return Failure.fail(CommonError.FORBIDDEN, "this connection is registered already; register once per connection");
      }
      // Listen on the user's channel before listing conversations: a membership change published while
      // the list is in flight then still re-points the subscriptions, and its event waits for "ready".
      inbox = address;
      held = new ArrayList<>();
      return registry.beginRegistration(this, who)
        .compose(v -> conversations.list(who))
        .compose(conversations -> {
          return registry.completeRegistration(this, who,
            conversations.stream().map(c -> ((JsonObject) c).getString("id")).toList()).map(conversations);
        })
        .onSuccess(conversations -> {
          List<Buffer> pending = held;
          held = null;
          // "ready" follows the subscriptions being in effect: a sync sent after it cannot miss a live event.
          write(Frames.rec(address, new JsonObject().put("type", Events.READY).put("conversations", conversations)
            .put("node", settings.nodeId())));
          pending.forEach(this::write);
          if (!closed) {
            present = true;
            live.registered(who, conversations);
          }
        })
        .onFailure(err -> {
          registry.unregister(this);
          inbox = null;
          held = null;
        });
    }).onFailure(err -> writeFailure(address, err));
  }

  private void onUnregister(String address) {
    if (address.equals(inbox)) {
      unregister();
      inbox = null;
    }
  }

  /** Stops following its channels; a connection that was present (registered) leaves presence too. */
  private void unregister() {
    boolean last = registry.unregister(this);
    if (present) {
      present = false;
      live.closed(auth.caller(), last);
    }
  }

  private String userLabel() {
    return auth.caller() == null ? "-" : auth.caller().userId();
  }

  private void refuse(String protocolError) {
    LOG.atInfo().addKeyValue("connectionId", connectionId).log("refused bridge frame for user {}: {}", userLabel(), protocolError);
    outbox.send(Frames.protocolError(protocolError));
  }

  private void writeFailure(String address, Throwable err) {
    ErrorCode code = GatewayErrors.CODES.of(err);
    if (code == CommonError.INTERNAL) {
      LOG.atError().addKeyValue("connectionId", connectionId).setCause(err).log("bridge request failed");
    } else if (code == CommonError.RATE_LIMITED) {
      // A flood is refused thousands of times a second: counted in parley_rate_limited_total, not a line each.
      LOG.atDebug().addKeyValue("connectionId", connectionId).log("refused bridge frame for user {}: {}", userLabel(), code.code());
    } else {
      LOG.atInfo().addKeyValue("connectionId", connectionId).log("refused bridge frame for user {}: {}", userLabel(), code.code());
    }
    write(Frames.failure(address, code, ErrorCodes.detailOf(err, code)));
  }
}
