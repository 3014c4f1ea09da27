package io.parley.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * A test client speaking the event-bus bridge protocol, frame for frame what
 * {@code @vertx/eventbus-bridge-client.js} sends, over SockJS's raw WebSocket endpoint.
 */
public final class BridgeClient {

  private final Vertx vertx;
  private final WebSocketClient wsClient;
  private final WebSocket socket;
  private final Map<String, Promise<JsonObject>> pending = new HashMap<>();
  private final List<JsonObject> events = new CopyOnWriteArrayList<>();
  private final List<JsonObject> protocolErrors = new CopyOnWriteArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final Promise<Short> closed = Promise.promise();
  private String token;
  private String inbox;
  private Promise<JsonObject> ready;

  private BridgeClient(Vertx vertx, WebSocketClient wsClient, WebSocket socket) {
    this.vertx = vertx;
    this.wsClient = wsClient;
    this.socket = socket;
    socket.textMessageHandler(text -> onFrame(new JsonObject(text)));
    socket.binaryMessageHandler(bytes -> onFrame(bytes.toJsonObject()));
    socket.closeHandler(v -> {
      // Like the official client: replies still awaited when the socket goes are lost, not pending forever.
      List.copyOf(pending.values()).forEach(p -> p.tryFail(new BridgeError(-1, "CONNECTION_CLOSED: socket closed before the reply")));
      pending.clear();
      if (ready != null) {
        ready.tryFail(new BridgeError(-1, "CONNECTION_CLOSED: socket closed before ready"));
      }
      closed.tryComplete(socket.closeStatusCode());
    });
  }

  public static Future<BridgeClient> connect(Vertx vertx, int port) {
    WebSocketClient client = vertx.createWebSocketClient();
    return client.connect(port, "127.0.0.1", "/eventbus/websocket").map(ws -> new BridgeClient(vertx, client, ws));
  }

  /** Connects, authenticates with {@code session}'s access token and registers its inbox. */
  public static Future<BridgeClient> online(Vertx vertx, int port, JsonObject session) {
    return connect(vertx, port).compose(client -> client.token(session.getString("accessToken"))
      .register(inboxOf(session)).map(client));
  }

  public static String inboxOf(JsonObject session) {
    return "parley.client." + session.getString("tenant") + "." + session.getString("userId");
  }

  public BridgeClient token(String accessToken) {
    this.token = accessToken;
    return this;
  }

  /** Sends a request; fails with {@link BridgeError} on an err frame. */
  public Future<JsonObject> request(String address, JsonObject body) {
    String replyAddress = UUID.randomUUID().toString();
    Promise<JsonObject> reply = Promise.promise();
    pending.put(replyAddress, reply);
    write(new JsonObject().put("type", "send").put("address", address).put("body", body)
      .put("replyAddress", replyAddress).put("headers", headers()));
    return reply.future();
  }

  /** Registers an inbox; completes with the server's "ready" event or fails with its err frame. */
  public Future<JsonObject> register(String address) {
    inbox = address;
    ready = Promise.promise();
    write(new JsonObject().put("type", "register").put("address", address).put("headers", headers()));
    return ready.future();
  }

  public void sendRaw(String text) {
    socket.writeTextMessage(text);
  }

  public void write(JsonObject frame) {
    socket.writeTextMessage(frame.encode());
  }

  /** Events received on the inbox so far (the "ready" event excluded). */
  public List<JsonObject> events() {
    return List.copyOf(events);
  }

  public List<JsonObject> protocolErrors() {
    return List.copyOf(protocolErrors);
  }

  /** Completes once {@code count} received events match (counting ones already received). */
  public Future<List<JsonObject>> awaitEvents(Predicate<JsonObject> match, int count) {
    Waiter waiter = new Waiter(match, count, Promise.promise());
    waiters.add(waiter);
    check();
    return waiter.promise.future();
  }

  public Future<List<JsonObject>> awaitMessages(String conversationId, int count) {
    return awaitEvents(e -> "message".equals(e.getString("type")) && conversationId.equals(e.getString("conversationId")), count);
  }

  /** Completes with a protocol error frame (err without address) once one has arrived. */
  public Future<JsonObject> awaitProtocolError() {
    Promise<JsonObject> promise = Promise.promise();
    long timer = vertx.setPeriodic(10, id -> {
      if (!protocolErrors.isEmpty()) {
        vertx.cancelTimer(id);
        promise.tryComplete(protocolErrors.get(0));
      }
    });
    return promise.future();
  }

  /** The WebSocket close status code sent by the server. */
  public Future<Short> closedFuture() {
    return closed.future();
  }

  public boolean isClosed() {
    return socket.isClosed();
  }

  public Future<Void> close() {
    return socket.close().compose(v -> wsClient.close()).recover(err -> Future.succeededFuture());
  }

  private JsonObject headers() {
    JsonObject headers = new JsonObject();
    if (token != null) {
      headers.put("authorization", "Bearer " + token);
    }
    return headers;
  }

  private void onFrame(JsonObject frame) {
    String address = frame.getString("address");
    boolean failure = "err".equals(frame.getString("type"));
    if (address == null) {
      protocolErrors.add(frame);
      return;
    }
    Promise<JsonObject> reply = pending.remove(address);
    if (reply != null) {
      if (failure) {
        reply.fail(new BridgeError(frame.getInteger("failureCode", -1), frame.getString("message")));
      } else {
        reply.complete(frame.getJsonObject("body"));
      }
      return;
    }
    if (address.equals(inbox)) {
      if (failure) {
        if (ready != null) {
          ready.tryFail(new BridgeError(frame.getInteger("failureCode", -1), frame.getString("message")));
        }
        return;
      }
      JsonObject body = frame.getJsonObject("body");
      if ("ready".equals(body.getString("type"))) {
        ready.tryComplete(body);
      } else {
        events.add(body);
        check();
      }
    }
  }

  private void check() {
    waiters.removeIf(w -> {
      List<JsonObject> matching = events.stream().filter(w.match).toList();
      if (matching.size() >= w.count) {
        w.promise.tryComplete(matching);
        return true;
      }
      return false;
    });
  }

  private record Waiter(Predicate<JsonObject> match, int count, Promise<List<JsonObject>> promise) {
  }

  /** An err frame answering a request or registration. */
  public static final class BridgeError extends RuntimeException {
    private final int failureCode;

    BridgeError(int failureCode, String message) {
      super(message);
      this.failureCode = failureCode;
    }

    public int failureCode() {
      return failureCode;
    }

    /** The stable string code, i.e. the message up to ": ". */
    public String code() {
      String message = getMessage();
      int colon = message == null ? -1 : message.indexOf(':');
      return colon < 0 ? String.valueOf(message) : message.substring(0, colon);
    }
  }
}
