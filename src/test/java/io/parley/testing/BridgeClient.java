package io.parley.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * One connection speaking the event-bus bridge protocol, frame for frame what
 * {@code @vertx/eventbus-bridge-client.js} sends, either on SockJS's raw WebSocket endpoint
 * ({@code /eventbus/websocket}) or on a real SockJS session URL ({@code /eventbus/<server>/<session>/websocket},
 * where frames travel as JSON arrays of strings). It keeps every frame it receives; replies complete their
 * request, the inbox's events are collected, and frames without an address are protocol errors.
 * {@link ResilientClient} builds reconnects on top of it. Safe to use from the test thread.
 */
public final class BridgeClient {

  public static final String RAW_URI = "/eventbus/websocket";
  public static final String SEND = "parley.delivery.send";

  private final Vertx vertx;
  private final WebSocketClient wsClient;
  private final WebSocket socket;
  private final boolean sockJs;
  private final Promise<Void> open = Promise.promise();
  private final Map<String, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
  private final List<JsonObject> frames = Collections.synchronizedList(new ArrayList<>());
  private final List<JsonObject> events = Collections.synchronizedList(new ArrayList<>());
  private final List<JsonObject> protocolErrors = Collections.synchronizedList(new ArrayList<>());
  private final List<Waiter> waiters = new ArrayList<>();
  private final Promise<Short> closed = Promise.promise();
  private volatile String token;
  private volatile String inbox;
  private volatile Promise<JsonObject> ready;
  private volatile Consumer<JsonObject> eventHandler = event -> { };
  /** The code of the server's {"type":"close"} frame, which precedes its closing the socket. */
  private volatile Short closeNotice;

  private BridgeClient(Vertx vertx, WebSocketClient wsClient, WebSocket socket, boolean sockJs) {
    this.vertx = vertx;
    this.wsClient = wsClient;
    this.socket = socket;
    this.sockJs = sockJs;
    if (!sockJs) {
      open.complete();
    }
    socket.textMessageHandler(this::onText);
    socket.binaryMessageHandler(bytes -> onFrame(bytes.toJsonObject()));
    // A broken socket also closes: the close handler below is where that is handled.
    socket.exceptionHandler(err -> { });
    socket.closeHandler(v -> {
      // Like the official client: replies still awaited when the socket goes are lost, not pending forever.
      List.copyOf(pending.values()).forEach(p -> p.tryFail(new BridgeError(-1, "CONNECTION_CLOSED: socket closed before the reply")));
      pending.clear();
      open.tryFail(new BridgeError(-1, "CONNECTION_CLOSED: socket closed before the SockJS open frame"));
      Promise<JsonObject> awaited = ready;
      if (awaited != null) {
        awaited.tryFail(new BridgeError(-1, "CONNECTION_CLOSED: socket closed before ready"));
      }
      closed.tryComplete(closeNotice != null ? closeNotice : socket.closeStatusCode());
    });
  }

  /** A connection to the raw WebSocket endpoint. */
  public static Future<BridgeClient> connect(Vertx vertx, int port) {
    return connect(vertx, browserLike(), to(port, RAW_URI));
  }

  /** A connection to a fresh SockJS session URL, as sockjs-client opens one (load balancers hash on the session). */
  public static Future<BridgeClient> connectSession(Vertx vertx, int port) {
    return connect(vertx, browserLike(), to(port, sessionPath() + "/websocket"));
  }

  /** Browsers take messages of any size; Vert.x's client stops at 256 KB unless told (a sync answer can be larger). */
  public static WebSocketClientOptions browserLike() {
    return new WebSocketClientOptions().setMaxMessageSize(64 * 1024 * 1024);
  }

  /** Connects where {@code options} says; SockJS framing unless the URI is {@link #RAW_URI}. */
  public static Future<BridgeClient> connect(Vertx vertx, WebSocketClientOptions clientOptions, WebSocketConnectOptions options) {
    WebSocketClient client = vertx.createWebSocketClient(clientOptions);
    boolean sockJs = !RAW_URI.equals(options.getURI());
    return client.connect(options)
      .map(ws -> new BridgeClient(vertx, client, ws, sockJs))
      .compose(bridge -> bridge.open.future().map(bridge))
      .onFailure(err -> client.close());
  }

  public static WebSocketConnectOptions to(int port, String uri) {
    return new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri);
  }

  /** Connects, authenticates with {@code session}'s access token and registers its inbox. */
  public static Future<BridgeClient> online(Vertx vertx, int port, JsonObject session) {
    return connect(vertx, port).compose(client -> client.register(session).map(client));
  }

  public static String inboxOf(JsonObject session) {
    return "parley.client." + session.getString("tenant") + "." + session.getString("userId");
  }

  /** A SockJS session path {@code /eventbus/<server>/<session>}, random as sockjs-client makes them. */
  public static String sessionPath() {
    return String.format("/eventbus/%03d/%s", ThreadLocalRandom.current().nextInt(1000),
      UUID.randomUUID().toString().replace("-", "").substring(0, 12));
  }

  /** The bridge frames inside one SockJS message ({@code a["{…}",…]}); none for "o", "h" or "c[…]". */
  public static List<JsonObject> sockJsFrames(String text) {
    if (!text.startsWith("a")) {
      return List.of();
    }
    List<JsonObject> decoded = new ArrayList<>();
    for (Object item : new JsonArray(text.substring(1))) {
      decoded.add(new JsonObject((String) item));
    }
    return decoded;
  }

  public BridgeClient token(String accessToken) {
    this.token = accessToken;
    return this;
  }

  /** Called (on the connection's context) with each inbox event, after it is recorded. */
  public BridgeClient eventHandler(Consumer<JsonObject> handler) {
    this.eventHandler = handler;
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

  /** A request that fails if no reply arrives within {@code ms}. */
  public Future<JsonObject> request(String address, JsonObject body, long ms) {
    Future<JsonObject> reply = request(address, body);
    return Async.within(vertx, ms, reply, () -> "no reply to " + address + " within " + ms + " ms");
  }

  /** parley.delivery.send of one message. */
  public Future<JsonObject> send(String conversationId, String clientMsgId, String text) {
    return request(SEND, message(conversationId, clientMsgId, text));
  }

  public static JsonObject message(String conversationId, String clientMsgId, String text) {
    return new JsonObject().put("conversationId", conversationId).put("clientMsgId", clientMsgId).put("text", text);
  }

  /** Registers {@code session}'s inbox with its access token. */
  public Future<JsonObject> register(JsonObject session) {
    return token(session.getString("accessToken")).register(inboxOf(session));
  }

  /** Registers an inbox; completes with the server's "ready" event or fails with its err frame. */
  public Future<JsonObject> register(String address) {
    Promise<JsonObject> awaited = Promise.promise();
    inbox = address;
    ready = awaited;
    write(new JsonObject().put("type", "register").put("address", address).put("headers", headers()));
    return awaited.future();
  }

  /** Writes {@code frame} as is (it names its own replyAddress) and yields the frame sent back to that address. */
  public Future<JsonObject> exchange(JsonObject frame) {
    String reply = frame.getString("replyAddress");
    write(frame);
    return await(frames, f -> reply.equals(f.getString("address")), 1).map(found -> found.get(0));
  }

  /** Writes text as is, for malformed-input tests. */
  public void sendRaw(String text) {
    socket.writeTextMessage(text);
  }

  public void write(JsonObject frame) {
    String text = sockJs ? new JsonArray().add(frame.encode()).encode() : frame.encode();
    // A write fails only on a closed socket, which the close handler deals with.
    socket.writeTextMessage(text).onFailure(err -> { });
  }

  public void ping() {
    write(new JsonObject().put("type", "ping"));
  }

  /** Events received on the inbox so far (the "ready" event excluded). */
  public List<JsonObject> events() {
    return snapshot(events);
  }

  /** The message events of one conversation, in arrival order. */
  public List<JsonObject> messages(String conversationId) {
    return events().stream().filter(isMessage(conversationId)).toList();
  }

  public List<Long> seqs(String conversationId) {
    return messages(conversationId).stream().map(e -> e.getJsonObject("message").getLong("seq")).toList();
  }

  public List<JsonObject> protocolErrors() {
    return snapshot(protocolErrors);
  }

  /** Every frame received, in order. */
  public List<JsonObject> frames() {
    return snapshot(frames);
  }

  /** Completes, with every match so far, once {@code count} received events match (counting ones already received). */
  public Future<List<JsonObject>> awaitEvents(Predicate<JsonObject> match, int count) {
    return await(events, match, count);
  }

  /** The first event of {@code type} about {@code conversationId}. */
  public Future<JsonObject> awaitEvent(String type, String conversationId) {
    return awaitEvents(e -> type.equals(e.getString("type")) && conversationId.equals(e.getString("conversationId")), 1)
      .map(found -> found.get(0));
  }

  public Future<List<JsonObject>> awaitMessages(String conversationId, int count) {
    return awaitEvents(isMessage(conversationId), count);
  }

  /** Completes with the protocol errors (err frames without address) once at least {@code count} have arrived. */
  public Future<List<JsonObject>> awaitProtocolErrors(int count) {
    return await(protocolErrors, f -> true, count);
  }

  /** Stops reading from the socket (the server's writes back up), as a stalled client would. */
  public void pause() {
    socket.pause();
  }

  public void resume() {
    socket.resume();
  }

  /** The close code the server gave: its {"type":"close"} frame's, else SockJS's or the WebSocket's. */
  public Future<Short> closedFuture() {
    return closed.future();
  }

  public boolean isClosed() {
    return socket.isClosed();
  }

  public Future<Void> close() {
    return socket.close().transform(ar -> wsClient.close()).recover(err -> Future.succeededFuture());
  }

  private static Predicate<JsonObject> isMessage(String conversationId) {
    return e -> "message".equals(e.getString("type")) && conversationId.equals(e.getString("conversationId"));
  }

  private JsonObject headers() {
    JsonObject headers = new JsonObject();
    if (token != null) {
      headers.put("authorization", "Bearer " + token);
    }
    return headers;
  }

  private void onText(String text) {
    if (!sockJs) {
      onFrame(new JsonObject(text));
    } else if (text.equals("o")) {
      open.tryComplete();
    } else if (text.startsWith("c[")) {
      // SockJS's own close frame, c[code,"reason"]: 3000 for any close the server asks for.
      closed.tryComplete(closeNotice != null ? closeNotice : new JsonArray(text.substring(1)).getInteger(0).shortValue());
    } else {
      sockJsFrames(text).forEach(this::onFrame);
    }
  }

  private void onFrame(JsonObject frame) {
    add(frames, frame);
    String address = frame.getString("address");
    boolean failure = "err".equals(frame.getString("type"));
    if ("close".equals(frame.getString("type"))) {
      closeNotice = frame.getInteger("code").shortValue();
      return;
    }
    if (address == null) {
      add(protocolErrors, frame);
      return;
    }
    Promise<JsonObject> reply = pending.remove(address);
    if (reply != null) {
      if (failure) {
        reply.tryFail(new BridgeError(frame.getInteger("failureCode", -1), frame.getString("message")));
      } else {
        reply.tryComplete(frame.getJsonObject("body"));
      }
      return;
    }
    if (!address.equals(inbox)) {
      return;
    }
    Promise<JsonObject> awaited = ready;
    if (failure) {
      if (awaited != null) {
        awaited.tryFail(new BridgeError(frame.getInteger("failureCode", -1), frame.getString("message")));
      }
      return;
    }
    JsonObject body = frame.getJsonObject("body");
    if ("ready".equals(body.getString("type"))) {
      awaited.tryComplete(body);
    } else {
      add(events, body);
      eventHandler.accept(body);
    }
  }

  private void add(List<JsonObject> list, JsonObject item) {
    list.add(item);
    check();
  }

  private static List<JsonObject> snapshot(List<JsonObject> list) {
    synchronized (list) {
      return List.copyOf(list);
    }
  }

  private Future<List<JsonObject>> await(List<JsonObject> source, Predicate<JsonObject> match, int count) {
    Waiter waiter = new Waiter(source, match, count, Promise.promise());
    synchronized (waiters) {
      waiters.add(waiter);
    }
    check();
    return waiter.promise.future();
  }

  private void check() {
    List<Waiter> done = new ArrayList<>();
    synchronized (waiters) {
      waiters.removeIf(w -> {
        if (snapshot(w.source).stream().filter(w.match).count() >= w.count) {
          done.add(w);
          return true;
        }
        return false;
      });
    }
    done.forEach(w -> w.promise.tryComplete(snapshot(w.source).stream().filter(w.match).toList()));
  }

  private record Waiter(List<JsonObject> source, Predicate<JsonObject> match, int count, Promise<List<JsonObject>> promise) {
  }

  /** An err frame answering a request or registration. */
  public static final class BridgeError extends RuntimeException {
    private final int failureCode;

    BridgeError(int failureCode, String message) {
      super(message, null, false, false);
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
