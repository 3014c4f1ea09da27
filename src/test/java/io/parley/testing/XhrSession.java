package io.parley.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import io.vertx.core.parsetools.RecordParser;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A SockJS session over the HTTP transports, as sockjs-client falls back to them: frames go up with
 * {@code xhr_send}; they come down by polling ({@code xhr}) or on one long streaming response
 * ({@code xhr_streaming}) that the test can stop reading. Raw SockJS framing is kept: the test sees
 * the {@code a[…]} batches and the {@code c[code,"reason"]} close.
 */
public final class XhrSession {

  private static final java.net.http.HttpClient JDK_HTTP = java.net.http.HttpClient.newBuilder()
    .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
  private final HttpClient http;
  private final int port;
  private final String path = BridgeClient.sessionPath();
  private final StringBuilder streamed = new StringBuilder();
  private final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
  private HttpClientResponse stream;
  private volatile boolean follow;
  private volatile boolean closed;

  private XhrSession(Vertx vertx, int port) {
    // A connection per request: SockJS may end a response's connection, and a reused one then fails the next request.
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false));
    this.port = port;
  }

  /** Opens a polling session (the first poll answers "o"). */
  public static Future<XhrSession> polling(Vertx vertx, int port) {
    XhrSession session = new XhrSession(vertx, port);
    return session.poll().compose(open -> open.startsWith("o")
      ? Future.succeededFuture(session)
      : Future.failedFuture(new AssertionError("no open frame: " + open)));
  }

  /** Opens a streaming session: one response that carries every frame, read into {@link #streamed()}. */
  public static Future<XhrSession> streaming(Vertx vertx, int port) {
    XhrSession session = new XhrSession(vertx, port);
    return session.openStream(HttpMethod.POST, "/xhr_streaming").map(session);
  }

  /** The same over {@code eventsource} (a GET whose lines are {@code data: <SockJS frame>}). */
  public static Future<XhrSession> eventSource(Vertx vertx, int port) {
    XhrSession session = new XhrSession(vertx, port);
    return session.openStream(HttpMethod.GET, "/eventsource").map(session);
  }

  /**
   * From now on, when the server ends the streaming response (SockJS does after 128 KB), the next one is
   * opened on the same session, as sockjs-client does; {@link #lines()} goes on.
   */
  public XhrSession follow() {
    follow = true;
    return this;
  }

  private Future<Void> openStream(HttpMethod method, String transport) {
    return http.request(new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path + transport))
      .compose(request -> request.send())
      .map(response -> {
        stream = response;
        RecordParser parser = RecordParser.newDelimited("\n", line -> {
          String text = line.toString().trim();
          text = text.startsWith("data: ") ? text.substring(6) : text;
          // xhr_streaming begins with a line of 2,048 'h' (a prelude for old browsers), eventsource with an empty one.
          if (!text.isEmpty() && !text.matches("h{2,}")) {
            lines.offer(text);
          }
        });
        response.handler(bytes -> {
          synchronized (streamed) {
            streamed.append(bytes.toString());
          }
          parser.handle(bytes);
        });
        response.endHandler(v -> {
          if (follow && !closed) {
            openStream(method, transport);
          }
        });
        return null;
      });
  }

  /** Each SockJS line a streaming session received ("o", "h", "a[…]", "c[…]"), in order. */
  public BlockingQueue<String> lines() {
    return lines;
  }

  /** What a POST to one of the session's URLs answered. */
  public record Answer(int status, String body) {
  }

  /**
   * POSTs {@code body} as is to {@code <session>/<transport>} (e.g. a broken {@code xhr_send}). With the
   * JDK's HTTP client: Vert.x's, with a new connection per request, now and then never completed such a
   * post (the node never saw it; curl never showed it), which made tests wait out their timeouts.
   */
  public Future<Answer> post(String transport, String contentType, Buffer body) {
    java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
        java.net.URI.create("http://127.0.0.1:" + port + path + transport))
      .timeout(java.time.Duration.ofSeconds(30))
      .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(body.getBytes()));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    return exchange(request);
  }

  /** GETs {@code <session>/<transport>} (e.g. htmlfile without a callback); the JDK's client, as {@link #post}. */
  public Future<Answer> get(String transportAndQuery) {
    return exchange(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path + transportAndQuery))
      .timeout(java.time.Duration.ofSeconds(30)).GET());
  }

  private static Future<Answer> exchange(java.net.http.HttpRequest.Builder request) {
    Promise<Answer> answer = Promise.promise();
    JDK_HTTP.sendAsync(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString()).whenComplete((response, err) -> {
      if (err != null) {
        answer.fail(err);
      } else {
        answer.complete(new Answer(response.statusCode(), response.body()));
      }
    });
    return answer.future();
  }

  /** Sends bridge frames in one {@code xhr_send}. */
  public Future<Void> send(JsonObject... frames) {
    JsonArray batch = new JsonArray();
    for (JsonObject frame : frames) {
      batch.add(frame.encode());
    }
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI(path + "/xhr_send").putHeader("Content-Type", "text/plain"))
      .compose(request -> request.send(batch.encode()))
      .compose(response -> response.statusCode() == 204 ? Future.succeededFuture()
        : response.body().compose(body -> Future.failedFuture(new AssertionError("xhr_send: " + response.statusCode() + " " + body))));
  }

  /** One poll: what the server had for this session ("o", "h", "a[…]" or "c[…]"). */
  public Future<String> poll() {
    return http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI(path + "/xhr"))
      .compose(request -> request.send())
      .compose(HttpClientResponse::body)
      .map(Buffer::toString);
  }

  /** Stops reading the streaming response (the server's writes back up) or resumes. */
  public void pauseStream() {
    stream.pause();
  }

  public void resumeStream() {
    stream.resume();
  }

  /** Everything the streaming response carried so far. */
  public String streamed() {
    synchronized (streamed) {
      return streamed.toString();
    }
  }

  /** The bridge frames inside SockJS lines ({@code a[…]}), in order. */
  public static List<JsonObject> frames(String sockJs) {
    List<JsonObject> frames = new ArrayList<>();
    for (String line : sockJs.split("\n")) {
      frames.addAll(BridgeClient.sockJsFrames(line));
    }
    return frames;
  }

  public Future<Void> close() {
    closed = true;
    return http.close();
  }
}
