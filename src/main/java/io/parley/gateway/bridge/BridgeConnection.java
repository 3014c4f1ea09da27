package io.parley.gateway.bridge;

import io.parley.ParleyNode;
import io.parley.auth.AccessTokens;
import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.common.ErrorCode;
import io.parley.common.ErrorCodes;
import io.parley.common.Failure;
import io.parley.fanout.Events;
import io.parley.rooms.RoomsAddresses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
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
  static final int CLOSE_RESTARTING = 4000;
  static final int CLOSE_TOO_SLOW = 4001;
  static final int CLOSE_TOKEN_EXPIRED = 4002;
  private static final long LIST_TIMEOUT_MS = 2000;
  private static final int LIST_ATTEMPTS = 4;

  private final Vertx vertx;
  private final SockJSSocket socket;
  private final AccessTokens tokens;
  private final ClientRegistry registry;
  private final long requestTimeoutMs;
  private final String nodeId;
  private Caller caller;
  private String inbox;
  private String verifiedToken;
  private long verifiedUntil;
  /** Expiry of the newest token this connection presented: how long its user may keep receiving. */
  private long authorizedUntil;
  private long lastSeen = System.currentTimeMillis();
  private int inFlight;
  private boolean draining;
  private final Consumer<BridgeConnection> closedHandler;
  private boolean closed;
  /** Events that arrive while the registration lists conversations; written right after "ready". */
  private List<Buffer> held;

  BridgeConnection(Vertx vertx, SockJSSocket socket, AccessTokens tokens, ClientRegistry registry, long requestTimeoutMs,
                   Consumer<BridgeConnection> closedHandler) {
    this.vertx = vertx;
    this.closedHandler = closedHandler;
    this.socket = socket;
    this.tokens = tokens;
    this.registry = registry;
    this.requestTimeoutMs = requestTimeoutMs;
    this.nodeId = (String) vertx.sharedData().getLocalMap(ParleyNode.NODE_MAP).get(ParleyNode.NODE_ID);
    socket.handler(this::onFrame);
    socket.endHandler(v -> onClosed());
    socket.exceptionHandler(err -> LOG.debug("bridge socket error: {}", err.toString()));
  }

  Caller caller() {
    return caller;
  }

  String inbox() {
    return inbox;
  }

  long lastSeen() {
    return lastSeen;
  }

  /** True for a registered connection whose newest verified token expired before {@code instant}. */
  boolean tokenExpiredBefore(long instant) {
    return inbox != null && held == null && authorizedUntil < instant;
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
   * catches up through sync on reconnect, rather than the server buffering without bound.
   */
  boolean write(Buffer frame) {
    if (closed) {
      return false;
    }
    if (socket.writeQueueFull()) {
      close(CLOSE_TOO_SLOW, "too slow; reconnect and sync");
      return false;
    }
    socket.write(frame);
    return true;
  }

  void close(int code, String reason) {
    if (!closed) {
      LOG.info("closing the bridge connection of user {}: {} {}", caller == null ? "-" : caller.userId(), code, reason);
      onClosed();
      socket.close(code, reason);
    }
  }

  private void onClosed() {
    if (!closed) {
      LOG.debug("bridge connection of user {} ended", caller == null ? "-" : caller.userId());
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
    inFlight++;
    authenticate(frame)
      .compose(who -> vertx.eventBus().<JsonObject>request(address, body,
        who.deliveryOptions().setSendTimeout(requestTimeoutMs)))
      .onComplete(ar -> inFlight--)
      .onSuccess(answer -> write(Frames.rec(reply, answer.body())))
      .onFailure(err -> writeFailure(reply, err));
  }

  private void onRegister(String address, JsonObject frame) {
    authenticate(frame).compose(who -> {
      if (!address.equals(ClientAddresses.inbox(who))) {
        return Failure.fail(CommonError.FORBIDDEN, "a client may register only its own inbox " + ClientAddresses.INBOX_PREFIX + "<tenant>.<userId>");
      }
      if (inbox != null) {
        return Failure.fail(CommonError.VALIDATION_FAILED, "this connection is registered already");
      }
      // Listen on the user's channel before listing conversations: a membership change published while
      // the list is in flight then still re-points the subscriptions, and its event waits for "ready".
      inbox = address;
      held = new ArrayList<>();
      return registry.beginRegistration(this, who)
        .compose(v -> listConversations(who, LIST_ATTEMPTS))
        .compose(reply -> {
          JsonArray conversations = reply.body().getJsonArray("conversations");
          return registry.completeRegistration(this, who,
            conversations.stream().map(c -> ((JsonObject) c).getString("id")).toList()).map(conversations);
        })
        .onSuccess(conversations -> {
          List<Buffer> pending = held;
          held = null;
          // "ready" follows the subscriptions being in effect: a sync sent after it cannot miss a live event.
          write(Frames.rec(address, new JsonObject().put("type", Events.READY).put("conversations", conversations)
            .put("node", nodeId)));
          pending.forEach(this::write);
        })
        .onFailure(err -> {
          registry.unregister(this);
          inbox = null;
          held = null;
        });
    }).onFailure(err -> writeFailure(address, err));
  }

  /**
   * The user's conversations, asked again on a timeout: right after a node dies its rooms instance is
   * still registered on the bus for a moment, and a reconnecting client should not wait out the full
   * request timeout for a read that another instance answers at once.
   */
  private Future<Message<JsonObject>> listConversations(Caller who, int attempts) {
    return vertx.eventBus().<JsonObject>request(RoomsAddresses.LIST, new JsonObject(),
        who.deliveryOptions().setSendTimeout(Math.min(requestTimeoutMs, LIST_TIMEOUT_MS)))
      .recover(err -> attempts > 1 && err instanceof ReplyException reply
        && (reply.failureType() == ReplyFailure.TIMEOUT || reply.failureType() == ReplyFailure.NO_HANDLERS)
        ? listConversations(who, attempts - 1) : Future.failedFuture(err));
  }

  private void onUnregister(String address) {
    if (address.equals(inbox)) {
      registry.unregister(this);
      inbox = null;
    }
  }

  /** The caller of this frame. Verification is cached per token until it expires. */
  private Future<Caller> authenticate(JsonObject frame) {
    String token = token(frame);
    if (token == null) {
      return Failure.fail(CommonError.UNAUTHENTICATED, "send the access token in the 'authorization' header of each frame");
    }
    if (token.equals(verifiedToken) && System.currentTimeMillis() < verifiedUntil) {
      return Future.succeededFuture(caller);
    }
    return tokens.verify(token).compose(verified -> {
      Caller who = verified.caller();
      if (caller != null && !caller.equals(who)) {
        // One connection, one user: switching identity mid-connection would mix two users' events.
        return Failure.fail(CommonError.FORBIDDEN, "this connection belongs to another user");
      }
      caller = who;
      verifiedToken = token;
      verifiedUntil = verified.expiresAtMillis();
      authorizedUntil = Math.max(authorizedUntil, verifiedUntil);
      return Future.succeededFuture(who);
    });
  }

  private static String token(JsonObject frame) {
    if (!(frame.getValue("headers") instanceof JsonObject headers)) {
      return null;
    }
    Object value = headers.getValue("authorization");
    if (!(value instanceof String text) || text.isBlank()) {
      return null;
    }
    return text.regionMatches(true, 0, "Bearer ", 0, 7) ? text.substring(7).trim() : text.trim();
  }

  private void refuse(String protocolError) {
    LOG.info("refused bridge frame for user {}: {}", caller == null ? "-" : caller.userId(), protocolError);
    socket.write(Frames.protocolError(protocolError));
  }

  private void writeFailure(String address, Throwable err) {
    ErrorCode code = ErrorCodes.of(err);
    if (code == CommonError.INTERNAL) {
      LOG.error("bridge request failed", err);
    } else {
      LOG.info("refused bridge frame for user {}: {}", caller == null ? "-" : caller.userId(), code.code());
    }
    write(Frames.failure(address, code, ErrorCodes.detailOf(err, code)));
  }
}
