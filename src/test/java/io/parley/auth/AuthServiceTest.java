package io.parley.auth;

import io.parley.auth.api.AccessTokens;
import io.parley.auth.api.Account;
import io.parley.auth.api.AuthError;
import io.parley.auth.api.Login;
import io.parley.auth.api.Registration;
import io.parley.auth.api.ResolveUsers;
import io.parley.auth.api.TokenPair;
import io.parley.auth.api.UserRef;
import io.parley.common.BusRequests;
import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.common.RetryAfter;
import io.parley.config.ConfigLoader;
import io.parley.ratelimit.Rate;
import io.parley.ratelimit.RateLimiter;
import io.parley.rooms.RoomsVerticle;
import io.parley.rooms.api.RoomsAddresses;
import io.parley.rooms.api.RoomsClient;
import io.parley.testing.EmbeddedStore;
import io.parley.testing.MutableClock;
import io.parley.testing.ParleyNodeExtension;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.List;

import static io.parley.testing.ApiAssertions.assertFailsWith;
import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The auth rules on a real embedded store, with a clock the test moves: no node, no waiting. The rooms
 * concern a new account is welcomed by (its general room) is deployed beside it on the same store.
 */
class AuthServiceTest {

  private static final String SECRET = "s".repeat(48);
  private static final int ACCESS_TTL = 900;
  private static final long REFRESH_TTL = 3600;

  @RegisterExtension
  final EmbeddedStore store = new EmbeddedStore();

  private final MutableClock clock = MutableClock.now();
  private AccessTokens tokens;
  private AuthService auth;
  private RoomsClient rooms;
  private JsonObject config;
  private String roomsDeployment;

  @BeforeEach
  void service() throws Exception {
    config = await(ConfigLoader.load(store.vertx(), null, new JsonObject()
      .put("mongo", new JsonObject().put("connection_string", store.connectionString())))).json();
    roomsDeployment = deployRooms();
    rooms = new RoomsClient(BusRequests.of(store.vertx()));
    tokens = new AccessTokens(store.vertx(), SECRET, "parley", ACCESS_TTL, clock);
    auth = new AuthService(new UserStore(store.mongo(), clock), new RefreshTokens(store.mongo(), REFRESH_TTL, clock),
      tokens, new PasswordHasher(store.vertx(), ParleyNodeExtension.TEST_KDF_ITERATIONS, 32),
      new RateLimiter(null, clock), new Rate("login_account", 10, 10), caller -> rooms.welcome(caller, 5000));
    await(auth.ensureIndexes());
    await(auth.register(new Registration("acme", "Alice", "correct-horse")));
  }

  @Test
  void an_account_gets_its_login_attempts_then_waits_for_its_bucket_to_refill() throws Exception {
    for (int i = 0; i < 10; i++) {
      assertFailsWith(AuthError.INVALID_CREDENTIALS, () -> auth.login(Login.fromJson(credentials("alice", "wrong"))));
    }
    String limited = assertFailsWith(CommonError.RATE_LIMITED, () -> auth.login(Login.fromJson(credentials("ALICE", "correct-horse"))));
    assertEquals(6, RetryAfter.seconds(limited).orElseThrow(), "one attempt comes back every 6 s, right password or not");
    // Other accounts are not affected.
    assertFailsWith(AuthError.INVALID_CREDENTIALS, () -> auth.login(Login.fromJson(credentials("bob", "x"))));
    clock.advance(Duration.ofSeconds(6));
    assertEquals("Alice", await(auth.login(Login.fromJson(credentials("alice", "correct-horse")))).caller().username());
    assertFailsWith(CommonError.RATE_LIMITED, () -> auth.login(Login.fromJson(credentials("alice", "correct-horse"))));
  }

  @Test
  void a_wrong_password_is_invalid_credentials_whatever_its_length() throws Exception {
    for (String wrong : List.of("x", "short", "wrong-but-long-enough")) {
      assertFailsWith(AuthError.INVALID_CREDENTIALS, () -> auth.login(Login.fromJson(credentials("alice", wrong))));
    }
    assertFailsWith(AuthError.INVALID_CREDENTIALS, () -> auth.login(Login.fromJson(credentials("nobody", "correct-horse"))));
    assertEquals("Alice", await(auth.login(Login.fromJson(credentials("ALICE", "correct-horse")))).caller().username(),
      "usernames compare case-insensitively");
  }

  @Test
  void usernames_are_unique_per_tenant_only() throws Exception {
    assertFailsWith(AuthError.USERNAME_TAKEN, () -> auth.register(new Registration("acme", "alice", "another-password")));
    assertEquals("globex", await(auth.register(new Registration("globex", "alice", "another-password"))).tenant());
  }

  @Test
  void access_tokens_expire_after_their_lifetime() throws Exception {
    TokenPair pair = await(auth.login(Login.fromJson(credentials("alice", "correct-horse"))));
    AccessTokens.Verified verified = await(tokens.verify(pair.accessToken()));
    assertEquals(pair.caller(), verified.caller());
    assertEquals(clock.millis() / 1000 * 1000 + ACCESS_TTL * 1000L, verified.expiresAtMillis(), "expiry = issue time + ttl");

    // Issued a lifetime (and more than the verifier's 5 s leeway) ago: refused now.
    clock.advance(Duration.ofSeconds(-ACCESS_TTL - 6));
    String stale = tokens.issue(pair.caller());
    assertFailsWith(AuthError.TOKEN_INVALID, () -> tokens.verify(stale));
  }

  @Test
  void a_refresh_token_works_once_and_its_reuse_revokes_the_whole_family() throws Exception {
    TokenPair login = await(auth.login(Login.fromJson(credentials("alice", "correct-horse"))));
    TokenPair next = await(auth.refresh(login.refreshToken()));
    assertNotEquals(login.refreshToken(), next.refreshToken());
    assertEquals(login.caller(), next.caller());

    assertFailsWith(AuthError.REFRESH_TOKEN_REUSED, () -> auth.refresh(login.refreshToken()));
    assertFailsWith(AuthError.REFRESH_TOKEN_INVALID, () -> auth.refresh(next.refreshToken()));
  }

  @Test
  void refresh_tokens_expire_and_logout_revokes() throws Exception {
    TokenPair first = await(auth.login(Login.fromJson(credentials("alice", "correct-horse"))));
    TokenPair second = await(auth.login(Login.fromJson(credentials("alice", "correct-horse"))));
    await(auth.logout(first.refreshToken()));
    assertFailsWith(AuthError.REFRESH_TOKEN_INVALID, () -> auth.refresh(first.refreshToken()));

    clock.advance(Duration.ofSeconds(REFRESH_TTL + 1));
    assertFailsWith(AuthError.REFRESH_TOKEN_INVALID, () -> auth.refresh(second.refreshToken()));
    await(auth.logout("never-issued"));
  }

  @Test
  void users_resolve_only_within_the_callers_tenant() throws Exception {
    await(auth.register(new Registration("globex", "bob", "correct-horse")));
    Caller acme = new Caller("acme", "u-1", "someone");
    List<UserRef> found = await(auth.resolveUsers(acme, new ResolveUsers(List.of("alice", "BOB", "carol")))).users();
    assertEquals(List.of("Alice"), found.stream().map(UserRef::username).toList());
  }

  /** Tokens spent under the older layout (usedAt on the token) stay spent; a replay still revokes the family. */
  @Test
  void refresh_tokens_spent_under_the_previous_layout_stay_spent() throws Exception {
    TokenPair login = await(auth.login(Login.fromJson(credentials("alice", "correct-horse"))));
    TokenPair next = await(auth.refresh(login.refreshToken()));
    // As the older layout left it: the spend recorded on the token itself, no spend document.
    await(store.mongo().removeDocuments(RefreshTokens.SPENT, new JsonObject()));
    await(store.mongo().updateCollection(RefreshTokens.REFRESH_TOKENS, new JsonObject().put("_id", RefreshTokens.hash(login.refreshToken())),
      new JsonObject().put("$set", new JsonObject().put("usedAt", clock.millis()))));
    await(store.mongo().removeDocuments("migrations", new JsonObject()));
    await(auth.ensureIndexes());

    assertFailsWith(AuthError.REFRESH_TOKEN_REUSED, () -> auth.refresh(login.refreshToken()));
    assertFailsWith(AuthError.REFRESH_TOKEN_INVALID, () -> auth.refresh(next.refreshToken()));
  }

  /** Registering welcomes the account (rooms: the general room); when that fails, a later login does it, once. */
  @Test
  void a_welcome_that_failed_is_done_at_a_later_login_and_then_never_again() throws Exception {
    Caller alice = await(auth.login(Login.fromJson(credentials("alice", "correct-horse")))).caller();
    assertEquals(List.of("general"), conversationNames(alice), "welcomed on registering");
    assertFalse(welcomePending("alice"));

    await(store.vertx().undeploy(roomsDeployment));
    Account bob = await(auth.register(new Registration("acme", "bob", "correct-horse")));
    assertEquals("bob", bob.username(), "the account is made though rooms could not be reached");
    assertTrue(welcomePending("bob"));
    Caller bobCaller = await(auth.login(Login.fromJson(credentials("bob", "correct-horse")))).caller();
    assertTrue(welcomePending("bob"), "still unreachable at login: still pending, login works");

    roomsDeployment = deployRooms();
    await(auth.login(Login.fromJson(credentials("bob", "correct-horse"))));
    assertFalse(welcomePending("bob"));
    JsonObject general = await(rooms.list(bobCaller, 5000)).getJsonObject(0);
    assertEquals("member", general.getString("role"));

    await(store.vertx().eventBus().request(RoomsAddresses.LEAVE, new JsonObject().put("conversationId", general.getString("id")),
      bobCaller.deliveryOptions()));
    await(auth.login(Login.fromJson(credentials("bob", "correct-horse"))));
    assertEquals(List.of(), conversationNames(bobCaller), "one who left the general room is not put back");
  }

  private String deployRooms() throws Exception {
    return await(store.vertx().deployVerticle(RoomsVerticle::new, new DeploymentOptions().setConfig(config)));
  }

  private List<String> conversationNames(Caller caller) throws Exception {
    return await(rooms.list(caller, 5000)).stream().map(c -> ((JsonObject) c).getString("name")).toList();
  }

  private boolean welcomePending(String username) throws Exception {
    JsonObject user = await(store.mongo().findOne(UserStore.USERS, new JsonObject().put("tenant", "acme")
      .put("usernameKey", UserStore.key(username)), null));
    return user.getBoolean(UserStore.WELCOME_PENDING, false);
  }

  private static JsonObject credentials(String username, String password) {
    return new JsonObject().put("tenant", "acme").put("username", username).put("password", password);
  }
}
