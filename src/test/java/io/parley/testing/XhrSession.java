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

import java.util.ArrayList;
import java.util.List;

/**
 * A SockJS session over the HTTP transports, as sockjs-client falls back to them: frames go up with
 * {@code xhr_send}; they come down by polling ({@code xhr}) or on one long streaming response
 * ({@code xhr_streaming}) that the test can stop reading. Raw SockJS framing is kept: the test sees
 * the {@code a[…]} batches and the {@code c[code,"reason"]} close.
 */
public final class XhrSession {

  private final HttpClient http;
  private final int port;
  private final String path = BridgeClient.sessionPath();
  private final StringBuilder streamed = new StringBuilder();
  private HttpClientResponse stream;

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
    return session.http.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI(session.path + "/xhr_streaming"))
      .compose(request -> request.send())
      .map(response -> {
        session.stream = response;
        response.handler(bytes -> {
          synchronized (session.streamed) {
            session.streamed.append(bytes.toString());
          }
        });
        return session;
      });
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
    return http.close();
  }
}
