package io.parley.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A scenario of the web client in a real headless Chromium (src/test/browser/*.mjs: Debian's
 * /usr/bin/chromium driven by playwright-core from that folder's lockfile, which scripts/test.sh
 * installs). The scenario asserts as it goes (a wait that times out fails it with what the page
 * showed) and hands back its observations; screenshots go to target/browser-artifacts/<tenant>/ (a failed
 * step leaves failed-<person>.png there). Chromium or
 * the scenario's node_modules missing fails the test, never skips it.
 */
public final class BrowserScenario {

  public static final Path ARTIFACTS = Path.of("target/browser-artifacts").toAbsolutePath();
  private static final Path DIR = Path.of("src/test/browser");

  private BrowserScenario() {
  }

  public static JsonObject run(String scenario, String baseUrl, String tenant, Map<String, String> env, String... flags) throws Exception {
    assertTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "Chromium is missing: apt-get install -y chromium (scripts/test.sh does)");
    assertTrue(Files.exists(DIR.resolve("node_modules/playwright-core/package.json")),
      "src/test/browser/node_modules is missing: run `cd src/test/browser && npm ci` (scripts/test.sh does)");
    // One folder per scenario run (named by its tenant): its screenshots, and a failed run's last screens.
    List<String> args = new ArrayList<>(List.of(baseUrl, tenant, ARTIFACTS.resolve(tenant).toString()));
    args.addAll(List.of(flags));
    return NodeScript.runFile(DIR.resolve(scenario), 200, env, args.toArray(String[]::new));
  }

  /** The page raised no script errors (uncaught exceptions, console errors) during the scenario. */
  public static void assertNoPageErrors(JsonObject result) {
    assertEquals(new JsonArray(), result.getJsonArray("errors"), "script errors in the page");
  }

  /** axe-core found nothing serious or critical on any screen it checked. */
  public static void assertAccessible(JsonObject result) {
    JsonObject axe = result.getJsonObject("axe");
    assertTrue(axe != null && !axe.isEmpty(), "axe ran: " + result.encode());
    for (String screen : axe.fieldNames()) {
      assertEquals(new JsonArray(), axe.getJsonArray(screen), "serious or critical axe violations on " + screen);
    }
  }

  /** What offline.mjs observed: both cuts noticed in time, each message waiting, then shown and stored once. */
  public static void assertOfflineScenario(JsonObject r) {
    assertTrue(r.getLong("silentDropNoticedMs") < 10_000, "a silent drop shown as reconnecting after " + r.getLong("silentDropNoticedMs") + " ms");
    assertTrue(r.getLong("reconnectingAfterMs") < 2_000, "the browser going offline shown after " + r.getLong("reconnectingAfterMs") + " ms");
    assertEquals("Waiting for the connection…", r.getString("pendingNote"));
    List<String> sent = List.of("sent during the silent drop", "sent while offline");
    assertEquals(sent, r.getJsonArray("aliceShows").getList(), "shown once to the sender");
    assertEquals(sent, r.getJsonArray("bobShows").getList(), "shown once to the other");
    assertEquals(List.of("before the cut", "sent during the silent drop", "sent while offline"), r.getJsonArray("stored").getList(),
      "stored once each");
  }
}
