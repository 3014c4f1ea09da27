package io.parley.gateway.bridge;

import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.common.ErrorCode;
import io.parley.common.ErrorCodes;
import io.parley.common.Failure;
import io.parley.fanout.Events;
import io.parley.gateway.errors.GatewayErrors;
import io.parley.rooms.api.RoomsClient;
import io.vertx.core.Future;
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
  private static final long CLOSE_GRACE_MS = 1_000;

  private final Vertx vertx;
  private final ClientSocket socket;
  private final ConnectionAuth auth;
  private final ClientRegistry registry;
  private final ConversationLister conversations;
  private final BridgeSettings settings;
  private final UserRequests userRequests;
  private String inbox;
  private long lastSeen = System.currentTimeMillis();
  private int inFlight;
  /** Bytes handed to the socket and not yet written out (on every SockJS transport, the write's future says when). */
  private long queuedBytes;
  private boolean draining;
  private final Consumer<BridgeConnection> closedHandler;
  private boolean closed;
  /** Events that arrive while the registration lists conversations; written right after "ready". */
  private List<Buffer> held;

  BridgeConnection(Vertx vertx, ClientSocket socket, ConnectionAuth auth, ClientRegistry registry, BridgeSettings settings,
                   UserRequests userRequests, Consumer<BridgeConnection> closedHandler) {
    this.vertx = vertx;
    this.closedHandler = closedHandler;
    this.socket = socket;
    this.auth = auth;
    this.registry = registry;
    this.conversations = new ConversationLister(new RoomsClient(vertx.eventBus()), settings.requestTimeoutMs());
    this.settings = settings;
    this.userRequests = userRequests;
    socket.handler(this::onFrame);
    socket.endHandler(v -> onClosed());
    socket.exceptionHandler(err -> LOG.debug("bridge socket error: {}", err.toString()));
  }

  Caller caller() {
    return auth.caller();
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
    return inFlight;
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
   * catches up through sync on reconnect, rather than the server buffering without bound. The bound
   * is on bytes not yet written out, counted here: {@code writeQueueFull()} of a SockJS session over
   * WebSocket does not see the WebSocket's own queue. Writing to a closed connection does nothing.
   */
  boolean write(Buffer frame) {
    if (closed) {
      return false;
    }
    int size = frame.length();
    if (queuedBytes + size > settings.queuedBytesMax()) {
      close(CloseCodes.TOO_SLOW, "too slow; reconnect and sync");
      return false;
    }
    queuedBytes += size;
    send(frame).onComplete(done -> queuedBytes -= size);
    return true;
  }

  /** The socket's write, which on some transports throws once the client is gone: then it fails instead. */
  private Future<Void> send(Buffer frame) {
    try {
      return socket.write(frame);
    } catch (IllegalStateException gone) {
      onClosed();
      return Future.failedFuture(gone);
    }
  }

  /**
   * Closes with {@code code}, said first in a {@code close} frame: SockJS sessions close with 3000
   * whatever code is asked for, so only the raw WebSocket would carry it otherwise. The frame is not
   * held to the queue bound (a too-slow client gets it after its backlog). A SockJS session drops
   * frames it has not handed to its transport when it closes, so the socket is closed once the frame
   * is written, or after a grace if the client is not reading.
   */
  void close(int code, String reason) {
    if (!closed) {
      LOG.info("closing the bridge connection of user {}: {} {}", userLabel(), code, reason);
      onClosed();
      boolean[] done = {false};
      Runnable closeSocket = () -> {
        if (!done[0]) {
          done[0] = true;
          socket.close(code, reason);
        }
      };
      send(Frames.close(code, reason)).onComplete(written -> closeSocket.run());
      vertx.setTimer(CLOSE_GRACE_MS, t -> closeSocket.run());
    }
  }

  private void onClosed() {
    if (!closed) {
      LOG.debug("bridge connection of user {} ended", userLabel());
      closed = true;
      registry.unregister(this);
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
    // Refused before any work: a client past its share gets an answer at once, not a queue.
    if (inFlight >= settings.requestsPerConnection()) {
      writeFailure(reply, new Failure(CommonError.RATE_LIMITED, "more than " + settings.requestsPerConnection()
        + " requests unanswered on this connection; retry after an answer"));
      return;
    }
    String userKey = auth.caller() == null ? null : auth.caller().tenant() + ":" + auth.caller().userId();
    if (userKey != null && !userRequests.tryStart(userKey, settings.requestsPerUser())) {
      writeFailure(reply, new Failure(CommonError.RATE_LIMITED, "more than " + settings.requestsPerUser()
        + " requests unanswered for this user; retry after an answer"));
      return;
    }
    inFlight++;
    auth.authenticate(frame)
      .compose(who -> vertx.eventBus().<JsonObject>request(address, body,
        who.deliveryOptions().setSendTimeout(settings.requestTimeoutMs())))
      .onComplete(ar -> {
        inFlight--;
        if (userKey != null) {
          userRequests.finished(userKey);
        }
      })
      .onSuccess(answer -> write(Frames.rec(reply, answer.body())))
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
      registry.unregister(this);
      inbox = null;
    }
  }

  private String userLabel() {
    return auth.caller() == null ? "-" : auth.caller().userId();
  }

  private void refuse(String protocolError) {
    LOG.info("refused bridge frame for user {}: {}", userLabel(), protocolError);
    send(Frames.protocolError(protocolError));
  }

  private void writeFailure(String address, Throwable err) {
    ErrorCode code = GatewayErrors.CODES.of(err);
    if (code == CommonError.INTERNAL) {
      LOG.error("bridge request failed", err);
    } else {
      LOG.info("refused bridge frame for user {}: {}", userLabel(), code.code());
    }
    write(Frames.failure(address, code, ErrorCodes.detailOf(err, code)));
  }
}
