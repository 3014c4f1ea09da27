package io.parley.web;

import io.parley.testing.BrowserScenario;
import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.parley.testing.BrowserScenario.assertAccessible;
import static io.parley.testing.BrowserScenario.assertNoPageErrors;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The web client (webroot/, on the client library) in a real headless Chromium against one node:
 * two people chatting with everything live, hostile text rendered as text with the URL as the place,
 * and a network cut that the page admits within seconds and recovers from without losing or doubling
 * a message. Each test is a scenario under src/test/browser; it asserts as it goes and these check
 * what it observed. The cluster (nginx, two instances, one killed): WebClientClusterIT.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class WebClientTest {

  @RegisterExtension
  static final ParleyNodeExtension node = ParleyNodeExtension.inProcess();

  @Test
  void two_people_chat_and_see_each_other_live() throws Exception {
    JsonObject r = BrowserScenario.run("two-users.mjs", node.baseUrl(), "web-live", Map.of(), "screens");
    assertNoPageErrors(r);
    assertTrue(r.getBoolean("focusAfterLogin"), "focus lands in the app after signing up");
    assertEquals("Alice Archer", r.getString("bobDmName"), "the DM is named by the other's display name");
    assertTrue(r.getString("dmUrl").startsWith("#/c/"), "a URL per conversation: " + r.getString("dmUrl"));
    assertTrue(r.getString("threadUrl").matches("#/c/[^/]+/thread/.+"), "a URL per thread: " + r.getString("threadUrl"));
    assertEquals(1, r.getInteger("mentionHighlighted"), "bob's own mention is highlighted for him");
    assertEquals("@alice ok?", r.getString("mentionInserted"), "the suggestion was inserted");
    assertTrue(r.getString("bobTitle").startsWith("(1) "), "the title counts bob's unread mention: " + r.getString("bobTitle"));
    assertTrue(r.getJsonArray("bobNotified").contains(new JsonObject().put("title", "Alice Archer mentioned you").put("body", "where to, @bob?")),
      "a desktop notification for the mention: " + r.getJsonArray("bobNotified").encode());
    assertTrue(r.getBoolean("dropZoneShown"), "dragging files over the conversation shows where to drop them");
    assertEquals(new JsonObject().put("name", "minutes.txt").put("text", "minutes of the lunch meeting\n"), r.getJsonObject("download"),
      "a dropped file downloads under its name with its bytes");
    assertEquals("14,000 / 16,384 bytes", r.getString("counterNear"), "the counter shows near the limit");
    assertEquals(new JsonObject().put("text", "16,400 / 16,384 bytes").put("over", true).put("sendDisabled", true), r.getJsonObject("counterOver"),
      "bytes, not characters (8,200 é): over the limit, Send is off");
    assertTrue(r.getString("refusal").contains("TOO_MANY_MENTIONS"), "says why it was not sent: " + r.getString("refusal"));
    assertTrue(r.getBoolean("backInTheBox"), "Edit puts the text back in the box");
    assertEquals(0, r.getInteger("pendingAfterEdit"), "and takes the failed copy away");
    assertEquals(new JsonArray().add(320).add(200), r.getJsonArray("imageSize"), "a 640x400 PNG previews at 320 px");
    assertTrue(r.getString("fileLabel").contains("sunny day.png"), r.getString("fileLabel"));
    // Bob's view of the room: the root deleted, the mention, the image's caption; the reply lives in its thread.
    assertEquals(List.of("message deleted", "@alice ok?", "the view"), r.getJsonArray("bobTexts").getList());
    assertAccessible(r);
    JsonObject shots = r.getJsonObject("screenshots");
    assertEquals(9, shots.size(), shots.encode());
    for (String name : shots.fieldNames()) {
      Path png = Path.of(shots.getString(name));
      assertTrue(Files.size(png) > 10_000, name + " is a real screenshot: " + png);
    }
  }

  @Test
  void rooms_and_groups_are_made_found_joined_left_and_muted() throws Exception {
    JsonObject r = BrowserScenario.run("rooms.mjs", node.baseUrl(), "web-rooms", Map.of());
    assertNoPageErrors(r);
    assertFalse(r.getJsonArray("bobRoomsAfterLeave").contains("random"), "the room left is gone from the list: " + r.encode());
    assertEquals("🔒", r.getString("privateMark"), "a private room is marked");
    JsonArray browsed = r.getJsonArray("bobBrowses");
    assertTrue(browsed.contains("#random") && !browsed.contains("#secret"), "browsing shows public rooms only: " + browsed.encode());
    assertEquals("Alice Archer, carol", r.getString("groupTitle"), "an unnamed group is named by its other members");
    assertEquals(new JsonObject().put("button", "Unmute").put("row", true), r.getJsonObject("muted"));
    assertEquals(List.of("random · by Alice Archer", "random · by carol"), r.getJsonArray("aliceRandoms").getList(),
      "two rooms of one name told apart by their creators");
  }

  @Test
  void hostile_text_renders_as_text_and_the_url_is_the_place() throws Exception {
    JsonObject r = BrowserScenario.run("xss-and-links.mjs", node.baseUrl(), "web-xss", Map.of());
    assertNoPageErrors(r);
    JsonObject payloads = r.getJsonObject("payloads");
    JsonObject view = r.getJsonObject("view");
    assertEquals(null, view.getValue("xss"), "no payload ran");
    assertEquals(0, view.getInteger("injected"), "no element came from user text");
    assertEquals("#" + payloads.getString("room"), view.getString("title"));
    assertEquals(new JsonArray().add(payloads.getString("displayName")), view.getJsonArray("senders"));
    assertEquals(payloads.getString("message"), view.getJsonArray("texts").getString(0));
    assertTrue(view.getString("file").contains(payloads.getString("file")), view.getString("file"));
    // Only the https link is a link, opening elsewhere without the opener.
    assertEquals(new JsonArray().add(new JsonObject().put("href", "https://example.com/a?b=1").put("rel", "noopener noreferrer nofollow")
      .put("target", "_blank").put("text", "https://example.com/a?b=1")), view.getJsonArray("links"));
    assertTrue(r.getString("wrongPassword").contains("INVALID_CREDENTIALS"), r.getString("wrongPassword"));
    assertEquals(new JsonObject().put("authError", false).put("focusInApp", true), r.getJsonObject("afterLogin"));
    JsonObject reload = r.getJsonObject("afterReload");
    assertEquals(reload.getString("room"), reload.getString("hash"));
    assertEquals(2, reload.getInteger("texts"), "the room's two text messages shown again after the reload");
    assertTrue(r.getBoolean("secondTab"));
    assertTrue(r.getBoolean("deepLinkAfterSignIn"));
    // 83 messages: the newest page first, the rest as the list is scrolled up to its start.
    assertTrue(r.getInteger("firstPage") <= 60, "a first page, not everything: " + r.getInteger("firstPage"));
    assertEquals(83, r.getInteger("allLoaded"), "scrolling up loads the rest");
    assertTrue(r.getBoolean("signedOutEverywhere"));
  }

  @Test
  void a_network_cut_shows_within_seconds_and_loses_nothing() throws Exception {
    JsonObject r = BrowserScenario.run("offline.mjs", node.baseUrl(), "web-offline", Map.of());
    assertNoPageErrors(r);
    BrowserScenario.assertOfflineScenario(r);
  }
}
