package io.parley.auth;

import io.parley.testing.ParleyNodeExtension;
import io.parley.testing.Rest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static io.parley.testing.ApiAssertions.assertError;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The user directory ({@code GET /api/users?q=} by username or display-name prefix, {@code ?ids=} by id)
 * and display names ({@code POST /api/auth/register}, {@code GET/PUT /api/me}): only the caller's tenant
 * is ever seen, bad input gets a stable code (each case says what was tried), and renaming counts as a
 * REST write.
 */
class UserDirectoryTest {

  @RegisterExtension
  final ParleyNodeExtension node = ParleyNodeExtension.inProcess().manual();

  private JsonObject register(String tenant, String username, String displayName) throws Exception {
    JsonObject body = new JsonObject().put("tenant", tenant).put("username", username).put("password", Rest.PASSWORD);
    if (displayName != null) {
      body.put("displayName", displayName);
    }
    JsonObject account = await(node.rest().expect(201, "/auth/register", null, body));
    JsonObject login = await(node.rest().expect(200, "/auth/login", null, body.copy().put("username", username)));
    return login.put("account", account);
  }

  private static String encode(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8);
  }

  private List<String> usernames(String token, String query) throws Exception {
    JsonObject found = await(node.rest().expectGet(200, "/users?" + query, token));
    return found.getJsonArray("users").stream().map(u -> ((JsonObject) u).getString("username")).toList();
  }

  private HttpResponse<Buffer> rename(String token, Object displayName) throws Exception {
    return await(node.rest().call(HttpMethod.PUT, "/me", token, new JsonObject().put("displayName", displayName)));
  }

  @Test
  void search_finds_the_callers_tenant_by_username_or_display_name_prefix_sorted_by_username() throws Exception {
    await(node.start(new JsonObject()));
    JsonObject alice = register("acme", "Alice", null);
    register("acme", "alfred", null);
    register("acme", "ALINA", null);
    register("acme", "albert", "Bertie");
    register("acme", "bob", null);
    register("acme", "zed", "Alpha Centauri");
    register("globex", "alan", "Alpha Globex");
    register("globex", "alex", null);
    String token = alice.getString("accessToken");

    assertEquals(List.of("albert", "alfred", "Alice", "ALINA", "zed"), usernames(token, "q=AL"),
      "username prefixes case-insensitively, and zed by his display name; never globex's alan or alex");
    assertEquals(List.of("albert", "alfred"), usernames(token, "q=al&limit=2"));
    assertEquals(List.of("zed"), usernames(token, "q=" + encode("alpha c")), "a display name with a space in it");
    assertEquals(List.of("albert"), usernames(token, "q=bert"), "by display name only");
    assertEquals(List.of(), usernames(token, "q=alan"), "another tenant's user is not found by name");
    assertEquals(List.of(), usernames(token, "q=" + encode("alpha g")), "nor by display name");

    JsonObject found = await(node.rest().expectGet(200, "/users?q=zed", token));
    JsonObject zed = found.getJsonArray("users").getJsonObject(0);
    assertEquals(Map.of("userId", zed.getString("userId"), "username", "zed", "displayName", "Alpha Centauri"), zed.getMap());
    JsonObject bob = await(node.rest().expectGet(200, "/users?q=bob", token)).getJsonArray("users").getJsonObject(0);
    assertEquals(List.of("userId", "username"), new ArrayList<>(bob.fieldNames()), "no displayName when none is set");
  }

  @Test
  void lookup_by_ids_answers_the_callers_tenant_only_in_the_order_asked() throws Exception {
    await(node.start(new JsonObject()));
    JsonObject alice = register("acme", "alice", "Alice A.");
    JsonObject bob = register("acme", "bob", null);
    JsonObject eve = register("globex", "eve", "Eve");
    String ids = String.join(",", bob.getString("userId"), eve.getString("userId"), "no-such-user", alice.getString("userId"),
      bob.getString("userId"));

    JsonObject found = await(node.rest().expectGet(200, "/users?ids=" + ids, alice.getString("accessToken")));
    assertEquals(new JsonArray()
        .add(new JsonObject().put("userId", bob.getString("userId")).put("username", "bob"))
        .add(new JsonObject().put("userId", alice.getString("userId")).put("username", "alice").put("displayName", "Alice A.")),
      found.getJsonArray("users"), "another tenant's and unknown ids are absent; a repeated id answers once");
    JsonObject seenByEve = await(node.rest().expectGet(200, "/users?ids=" + ids, eve.getString("accessToken")));
    assertEquals(List.of("eve"), seenByEve.getJsonArray("users").stream().map(u -> ((JsonObject) u).getString("username")).toList());
  }

  @Test
  void display_names_are_set_at_register_changed_and_cleared_on_me_and_shown_by_the_directory() throws Exception {
    await(node.start(new JsonObject()));
    JsonObject alice = register("acme", "alice", "  <b>Alice</b> \u00c5ngstr\u00f6m \uD83D\uDE00 ");
    assertEquals("<b>Alice</b> \u00c5ngstr\u00f6m \uD83D\uDE00", alice.getJsonObject("account").getString("displayName"),
      "trimmed; markup is only text");
    String token = alice.getString("accessToken");
    JsonObject me = await(node.rest().expectGet(200, "/me", token));
    assertEquals(new JsonObject().put("userId", alice.getString("userId")).put("username", "alice").put("tenant", "acme")
      .put("displayName", "<b>Alice</b> \u00c5ngstr\u00f6m \uD83D\uDE00"), me);
    assertEquals(List.of("alice"), usernames(token, "q=" + encode("<B>ALICE")), "found by display name, case-insensitively");

    JsonObject renamed = await(Rest.check(rename(token, " Ally "), 200));
    assertEquals("Ally", renamed.getString("displayName"));
    assertEquals("Ally", await(node.rest().expectGet(200, "/me", token)).getString("displayName"));
    assertEquals(List.of("alice"), usernames(token, "q=ally"));
    assertEquals(List.of(), usernames(token, "q=" + encode("<b>")), "the old display name no longer matches");

    for (Object cleared : new Object[] {null, ""}) {
      await(Rest.check(rename(token, "Someone"), 200));
      JsonObject answer = await(Rest.check(rename(token, cleared), 200));
      assertFalse(answer.containsKey("displayName"), "cleared by " + cleared + ": " + answer);
      assertNull(await(node.rest().expectGet(200, "/me", token)).getString("displayName"));
      assertEquals(List.of(), usernames(token, "q=someone"), "a cleared display name no longer matches");
    }
    JsonObject plain = register("acme", "bob", null);
    assertFalse(await(node.rest().expectGet(200, "/me", plain.getString("accessToken"))).containsKey("displayName"));
    assertFalse(plain.getJsonObject("account").containsKey("displayName"));
  }

  @Test
  void bad_directory_and_display_name_input_gets_a_stable_code_and_changes_nothing() throws Exception {
    await(node.start(new JsonObject()));
    JsonObject alice = register("acme", "alice", "Alice");
    String token = alice.getString("accessToken");
    List<String> hundredAndOne = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      hundredAndOne.add("id-" + i);
    }

    Map<String, Object[]> directory = new LinkedHashMap<>();
    directory.put("neither q nor ids", new Object[] {"/users", 400, "VALIDATION_FAILED"});
    directory.put("both q and ids", new Object[] {"/users?q=al&ids=" + alice.getString("userId"), 400, "VALIDATION_FAILED"});
    directory.put("an empty q", new Object[] {"/users?q=", 400, "VALIDATION_FAILED"});
    directory.put("a blank q", new Object[] {"/users?q=%20%20", 400, "VALIDATION_FAILED"});
    directory.put("a q of 65 bytes", new Object[] {"/users?q=" + "a".repeat(65), 413, "PAYLOAD_TOO_LARGE"});
    directory.put("a q of 33 two-byte characters", new Object[] {"/users?q=" + encode("\u00e9".repeat(33)), 413, "PAYLOAD_TOO_LARGE"});
    directory.put("limit 0", new Object[] {"/users?q=al&limit=0", 400, "VALIDATION_FAILED"});
    directory.put("limit 51", new Object[] {"/users?q=al&limit=51", 400, "VALIDATION_FAILED"});
    directory.put("a limit that is not a number", new Object[] {"/users?q=al&limit=ten", 400, "VALIDATION_FAILED"});
    directory.put("101 ids", new Object[] {"/users?ids=" + String.join(",", hundredAndOne), 400, "VALIDATION_FAILED"});
    directory.put("an empty ids", new Object[] {"/users?ids=", 400, "VALIDATION_FAILED"});
    directory.put("ids of only commas", new Object[] {"/users?ids=,,", 400, "VALIDATION_FAILED"});
    directory.put("an id of 65 characters", new Object[] {"/users?ids=" + "x".repeat(65), 400, "VALIDATION_FAILED"});
    for (Map.Entry<String, Object[]> attempt : directory.entrySet()) {
      HttpResponse<Buffer> answer = await(node.rest().get((String) attempt.getValue()[0], token));
      assertError(answer, (Integer) attempt.getValue()[1], (String) attempt.getValue()[2]);
    }
    assertError(await(node.rest().get("/users?q=al", null)), 401, "UNAUTHENTICATED");
    assertEquals(List.of(), usernames(token, "q=" + encode("\u00e9".repeat(32))), "a q of 64 bytes is fine");
    assertEquals(List.of(), usernames(token, "ids=" + String.join(",", hundredAndOne.subList(0, 100))), "100 ids are fine");

    Map<String, Object[]> names = new LinkedHashMap<>();
    names.put("65 characters", new Object[] {"x".repeat(65), 400, "VALIDATION_FAILED"});
    names.put("257 bytes", new Object[] {"\u00e9".repeat(128) + "x", 413, "PAYLOAD_TOO_LARGE"});
    names.put("only blanks", new Object[] {"   ", 400, "VALIDATION_FAILED"});
    names.put("a control character", new Object[] {"bell\u0007", 400, "VALIDATION_FAILED"});
    names.put("a newline", new Object[] {"two\nlines", 400, "VALIDATION_FAILED"});
    names.put("a right-to-left override", new Object[] {"abc\u202Egpj.exe", 400, "VALIDATION_FAILED"});
    names.put("a left-to-right embedding", new Object[] {"a\u202Ab", 400, "VALIDATION_FAILED"});
    names.put("a first-strong isolate", new Object[] {"a\u2068b", 400, "VALIDATION_FAILED"});
    names.put("a pop-directional isolate", new Object[] {"a\u2069b", 400, "VALIDATION_FAILED"});
    names.put("a number", new Object[] {42, 400, "VALIDATION_FAILED"});
    names.put("an object", new Object[] {new JsonObject(), 400, "VALIDATION_FAILED"});
    for (Map.Entry<String, Object[]> attempt : names.entrySet()) {
      assertError(rename(token, attempt.getValue()[0]), (Integer) attempt.getValue()[1], (String) attempt.getValue()[2]);
      HttpResponse<Buffer> registered = await(node.rest().post("/auth/register", null, new JsonObject().put("tenant", "acme")
        .put("username", "mallory").put("password", Rest.PASSWORD).put("displayName", attempt.getValue()[0])));
      assertError(registered, (Integer) attempt.getValue()[1], (String) attempt.getValue()[2]);
    }
    // A lone surrogate, escaped in otherwise valid JSON (as bytes it would not be UTF-8: BAD_JSON).
    assertError(await(node.rest().raw(HttpMethod.PUT, "/me", token, "{\"displayName\":\"a\\ud800b\"}")), 400, "VALIDATION_FAILED");
    assertError(await(node.rest().raw(HttpMethod.POST, "/auth/register", null, "{\"tenant\":\"acme\",\"username\":\"mallory\","
      + "\"password\":\"" + Rest.PASSWORD + "\",\"displayName\":\"a\\ud800b\"}")), 400, "VALIDATION_FAILED");
    assertError(await(node.rest().call(HttpMethod.PUT, "/me", token, new JsonObject())), 400, "VALIDATION_FAILED");
    assertError(await(node.rest().raw(HttpMethod.PUT, "/me", token, "{\"displayName\":")), 400, "BAD_JSON");
    assertError(await(node.rest().call(HttpMethod.PUT, "/me", null, new JsonObject().put("displayName", "x"))), 401, "UNAUTHENTICATED");

    assertEquals("Alice", await(node.rest().expectGet(200, "/me", token)).getString("displayName"), "nothing was changed");
    assertEquals(List.of(), usernames(token, "q=mallory"), "no refused registration created an account");
    assertEquals("x".repeat(64), await(Rest.check(rename(token, "x".repeat(64)), 200)).getString("displayName"), "64 is fine");
  }

  @Test
  void renaming_counts_against_the_users_rest_writes() throws Exception {
    await(node.start(new JsonObject().put("limits", new JsonObject().put("rates", new JsonObject()
      .put("rest_writes_per_user", new JsonObject().put("burst", 3).put("per_minute", 6))))));
    JsonObject alice = register("acme", "alice", null);
    JsonObject bob = register("acme", "bob", null);
    String token = alice.getString("accessToken");
    for (int i = 1; i <= 3; i++) {
      await(Rest.check(rename(token, "Alice " + i), 200));
    }
    HttpResponse<Buffer> limited = rename(token, "Alice 4");
    assertError(limited, 429, "RATE_LIMITED");
    assertEquals("10", limited.getHeader("Retry-After"));
    assertEquals("Alice 3", await(node.rest().expectGet(200, "/me", token)).getString("displayName"), "the refused rename changed nothing");
    assertEquals(List.of("alice"), usernames(token, "q=alice"), "reads are not limited");
    await(Rest.check(rename(bob.getString("accessToken"), "Bob"), 200));
  }

  @Test
  void the_end_of_a_prefix_range_is_right_for_every_store_order() {
    assertEquals("ab", UserStore.prefixEnd("aa"));
    assertEquals("a\uE000", UserStore.prefixEnd("a\uD7FF"), "skips the surrogate range");
    assertEquals("a\uD83D\uDE01", UserStore.prefixEnd("a\uD83D\uDE00"), "an emoji is raised as one code point");
    assertEquals("b", UserStore.prefixEnd("a\uFFFF"), "U+FFFF cannot be raised within the BMP: the one before is");
    assertNull(UserStore.prefixEnd("\uFFFF"));
  }
}
