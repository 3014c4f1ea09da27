package io.parley.gateway;

import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The web page in a real headless Chromium (Debian's, driven over the DevTools protocol): bob reads a
 * room while alice edits and then deletes her message over REST; the page shows the new text marked
 * "(edited)", then "message deleted" in its place; an edit it missed live comes with the sync that the
 * next one's changeSeq gap starts. Chromium is a test prerequisite: missing, this fails.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WebClientChangesTest {

  private static final String CHROMIUM = "/usr/bin/chromium";

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @Test
  void the_page_shows_an_edit_and_then_a_delete_as_they_happen() throws Exception {
    Map<String, JsonObject> users = await(node.rest().users("web", "alice", "bob"));
    String alice = users.get("alice").getString("accessToken");
    String room = await(node.rest().createConversation(alice, new JsonObject().put("type", "room").put("name", "edits")
      .put("members", new JsonArray().add("bob")))).getString("id");
    String id = await(node.rest().send(alice, room, "m-1", "hello")).getString("id");

    Path profile = Files.createTempDirectory("parley-chromium-");
    Process chromium = new ProcessBuilder(CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
      "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
      "--remote-debugging-port=0", "--user-data-dir=" + profile, "about:blank").redirectErrorStream(true).start();
    try (Page page = Page.open(node, chromium)) {
      // Lets the test make the page miss live change events, as a flaky network would.
      page.call("Page.enable", new JsonObject());
      page.call("Page.addScriptToEvaluateOnNewDocument", new JsonObject().put("source", DROP_CHANGES));
      page.call("Page.navigate", new JsonObject().put("url", node.baseUrl() + "/"));
      page.waitFor("!document.getElementById('login').hidden");
      page.eval("(() => { const f = document.getElementById('login-form'); f.elements.tenant.value = 'web';"
        + " f.elements.username.value = 'bob'; f.elements.password.value = '" + Rest.PASSWORD + "'; f.requestSubmit(); return true; })()");
      page.waitFor("document.getElementById('status').dataset.state === 'online' && document.querySelector('#convs button') !== null");
      page.eval("(() => { document.querySelector('#convs button').click(); return true; })()");
      page.waitFor(texts() + ".includes('hello')");

      edit(alice, id, "hello, edited");
      page.waitFor(texts() + ".includes('hello, edited') && document.getElementById('messages').textContent.includes('(edited)')");

      HttpResponse<Buffer> deleted = await(node.rest().call(HttpMethod.DELETE, "/messages/" + id, alice, null));
      assertEquals(200, deleted.statusCode(), deleted.bodyAsString());
      page.waitFor("document.querySelectorAll('#messages .text.deleted').length === 1 && !" + texts() + ".includes('hello, edited')");

      // A change missed live comes with the sync that the next change's gap in changeSeq starts.
      String second = await(node.rest().send(alice, room, "m-2", "second")).getString("id");
      String third = await(node.rest().send(alice, room, "m-3", "third")).getString("id");
      page.waitFor(texts() + ".includes('third')");
      page.eval("window.__dropChanges = true");
      edit(alice, second, "second, edited while away");
      page.waitFor("window.__dropped === 1");
      page.eval("window.__dropChanges = false");
      edit(alice, third, "third, edited");
      page.waitFor(texts() + ".includes('second, edited while away') && " + texts() + ".includes('third, edited')");
    } finally {
      chromium.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      ParleyNodeExtension.deleteTree(profile);
    }
  }

  /**
   * Wraps the official client's registerHandler (as vertx-eventbus.js defines EventBus) so that, while
   * {@code __dropChanges} is set, message.changed events never reach the page's inbox handler.
   */
  private static final String DROP_CHANGES = """
    (() => {
      window.__dropped = 0;
      let bus;
      Object.defineProperty(window, 'EventBus', { configurable: true, get() { return bus; }, set(value) {
        bus = value;
        const register = value.prototype.registerHandler;
        value.prototype.registerHandler = function (address, headers, callback) {
          if (typeof headers === 'function') { callback = headers; headers = {}; }
          return register.call(this, address, headers, (err, msg) => {
            if (window.__dropChanges && msg && msg.body && msg.body.type === 'message.changed') { window.__dropped++; return; }
            return callback(err, msg);
          });
        };
      } });
    })();
    """;

  private static String texts() {
    return "[...document.querySelectorAll('#messages .text')].map((e) => e.textContent)";
  }

  private static void edit(String token, String id, String text) throws Exception {
    HttpResponse<Buffer> edited = await(node.rest().call(HttpMethod.PUT, "/messages/" + id, token, new JsonObject().put("text", text)));
    assertEquals(200, edited.statusCode(), edited.bodyAsString());
  }

  /** The page's DevTools connection: Runtime.evaluate, and polling a condition until it holds. */
  private static final class Page implements AutoCloseable {

    private final WebSocketClient client;
    private final WebSocket socket;
    private final AtomicInteger ids = new AtomicInteger();
    private final Map<Integer, Promise<JsonObject>> pending = new ConcurrentHashMap<>();

    private Page(WebSocketClient client, WebSocket socket) {
      this.client = client;
      this.socket = socket;
      socket.textMessageHandler(text -> {
        JsonObject message = new JsonObject(text);
        Promise<JsonObject> reply = message.getInteger("id") == null ? null : pending.remove(message.getInteger("id"));
        if (reply != null) {
          reply.complete(message);
        }
      });
    }

    static Page open(ParleyNodeExtension node, Process chromium) throws Exception {
      BufferedReader output = new BufferedReader(new InputStreamReader(chromium.getInputStream(), StandardCharsets.UTF_8));
      String line;
      URI browser = null;
      while (browser == null && (line = output.readLine()) != null) {
        int at = line.indexOf("DevTools listening on ");
        if (at >= 0) {
          browser = URI.create(line.substring(at + "DevTools listening on ".length()).trim());
        }
      }
      if (browser == null) {
        throw new AssertionError("chromium did not start (no DevTools address)");
      }
      Thread drain = new Thread(() -> output.lines().forEach(l -> { }));
      drain.setDaemon(true);
      drain.start();
      WebClient web = node.clients().web();
      String pageSocket = null;
      for (int i = 0; i < 100 && pageSocket == null; i++) {
        JsonArray targets = await(web.get(browser.getPort(), browser.getHost(), "/json/list").send()).bodyAsJsonArray();
        for (Object target : targets) {
          JsonObject t = (JsonObject) target;
          if ("page".equals(t.getString("type")) && "about:blank".equals(t.getString("url"))) {
            pageSocket = t.getString("webSocketDebuggerUrl");
          }
        }
        if (pageSocket == null) {
          Thread.sleep(100);
        }
      }
      if (pageSocket == null) {
        throw new AssertionError("no blank page in chromium");
      }
      WebSocketClient client = node.vertx().createWebSocketClient(new io.vertx.core.http.WebSocketClientOptions().setMaxMessageSize(16 << 20));
      return new Page(client, await(client.connect(new io.vertx.core.http.WebSocketConnectOptions().setAbsoluteURI(pageSocket))));
    }

    JsonObject call(String method, JsonObject params) throws Exception {
      int id = ids.incrementAndGet();
      Promise<JsonObject> reply = Promise.promise();
      pending.put(id, reply);
      socket.writeTextMessage(new JsonObject().put("id", id).put("method", method).put("params", params).encode());
      JsonObject answer = await(reply.future(), 10);
      if (answer.containsKey("error")) {
        throw new AssertionError(method + ": " + answer.getJsonObject("error").encode());
      }
      return answer.getJsonObject("result", new JsonObject());
    }

    Object eval(String expression) throws Exception {
      JsonObject value = call("Runtime.evaluate", new JsonObject()
        .put("expression", expression).put("returnByValue", true).put("awaitPromise", true));
      if (value.containsKey("exceptionDetails")) {
        throw new AssertionError(expression + " threw: " + value.getJsonObject("exceptionDetails").encode());
      }
      return value.getJsonObject("result", new JsonObject()).getValue("value");
    }

    void waitFor(String condition) throws Exception {
      long deadline = System.currentTimeMillis() + 20_000;
      while (System.currentTimeMillis() < deadline) {
        if (Boolean.TRUE.equals(eval("(() => { try { return !!(" + condition + "); } catch (e) { return false; } })()"))) {
          return;
        }
        Thread.sleep(100);
      }
      throw new AssertionError("the page never showed: " + condition + "; it shows: " + eval("document.getElementById('messages').textContent"));
    }

    @Override
    public void close() {
      socket.close();
      client.close();
    }
  }
}
