package io.parley.auth;

import io.parley.auth.api.Account;
import io.parley.auth.api.AccessTokens;
import io.parley.auth.api.AuthError;
import io.parley.auth.api.DirectoryUser;
import io.parley.auth.api.Profile;
import io.parley.auth.api.UserIds;
import io.parley.auth.api.UserSearch;
import io.parley.auth.api.UserSearch.Found;
import io.parley.auth.api.Login;
import io.parley.auth.api.Registration;
import io.parley.auth.api.ResolveUsers;
import io.parley.auth.api.ResolveUsers.ResolvedUsers;
import io.parley.auth.api.TokenPair;
import io.parley.auth.api.UserRef;
import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.ratelimit.Rate;
import io.parley.ratelimit.RateLimiter;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * The rules of accounts and tokens: register, login, refresh with rotation, logout, username lookup, the
 * user directory (prefix search, lookup by ids) and the caller's profile (display name).
 */
final class AuthService {

  private static final Logger LOG = LoggerFactory.getLogger(AuthService.class);

  private final UserStore users;
  private final RefreshTokens refreshTokens;
  private final AccessTokens accessTokens;
  private final PasswordHasher hasher;
  private final RateLimiter limiter;
  private final Rate loginPerAccount;
  private final Welcome welcome;

  AuthService(UserStore users, RefreshTokens refreshTokens, AccessTokens accessTokens, PasswordHasher hasher,
              RateLimiter limiter, Rate loginPerAccount, Welcome welcome) {
    this.users = users;
    this.refreshTokens = refreshTokens;
    this.accessTokens = accessTokens;
    this.hasher = hasher;
    this.limiter = limiter;
    this.loginPerAccount = loginPerAccount;
    this.welcome = welcome;
  }

  Future<Void> ensureIndexes() {
    return Future.all(users.ensureIndexes(), refreshTokens.ensureIndexes()).mapEmpty();
  }

  /** Answers once the new account has also been welcomed (or that has failed: see {@link #welcome}). */
  Future<Account> register(Registration registration) {
    return hasher.hash(registration.password())
      .compose(hash -> users.create(registration.tenant(), registration.username(), registration.displayName(), hash))
      .compose(user -> {
        LOG.info("registered user {} in tenant {}", user.getString("_id"), registration.tenant());
        Account account = new Account(user.getString("_id"), registration.tenant(), registration.username(),
          registration.displayName());
        return welcome(new Caller(account.tenant(), account.userId(), account.username())).map(account);
      });
  }

  /**
   * Unknown users cost the same hashing time as known ones (see {@link PasswordHasher}). Attempts are
   * throttled per account (known or not, across the cluster when Redis is configured) before any hashing.
   */
  Future<TokenPair> login(Login login) {
    return limiter.check(loginPerAccount, login.tenant() + ":" + login.username().toLowerCase(Locale.ROOT),
        "too many login attempts for this account")
      .compose(allowed -> users.find(login.tenant(), login.username())).compose(user ->
      hasher.verify(user == null ? null : user.getString("passwordHash"), login.password()).compose(ok -> {
        if (!ok) {
          return Failure.fail(AuthError.INVALID_CREDENTIALS, "unknown user or wrong password");
        }
        Caller caller = new Caller(login.tenant(), user.getString("_id"), user.getString("username"));
        Future<Void> welcomed = user.getBoolean(UserStore.WELCOME_PENDING, false) ? welcome(caller) : Future.succeededFuture();
        return welcomed.compose(v -> refreshTokens.issue(caller)).map(refresh -> tokenPair(caller, refresh));
      }));
  }

  /**
   * The account's welcome, marked done once it succeeded. Its failure fails neither registration nor
   * login: the account is whole without it, and it stays pending, so the next login tries again —
   * until it has been done once (a user who then leaves the general room is not put back).
   */
  private Future<Void> welcome(Caller caller) {
    return welcome.welcome(caller).compose(v -> users.welcomed(caller.userId())).recover(err -> {
      LOG.warn("user {} of tenant {} not welcomed yet ({}); tried again at their next login",
        caller.userId(), caller.tenant(), err.getMessage());
      return Future.succeededFuture();
    });
  }

  Future<TokenPair> refresh(String refreshToken) {
    return refreshTokens.rotate(refreshToken).map(rotation -> tokenPair(rotation.caller(), rotation.refreshToken()));
  }

  Future<Void> logout(String refreshToken) {
    return refreshTokens.revoke(refreshToken);
  }

  Future<ResolvedUsers> resolveUsers(Caller caller, ResolveUsers request) {
    return users.findAll(caller.tenant(), request.usernames()).map(found -> new ResolvedUsers(
      found.stream().map(u -> new UserRef(u.getString("_id"), u.getString("username"))).toList()));
  }

  /**
   * Users whose username or display name starts with {@code q}, case-insensitively: the first {@code limit}
   * by username among username matches and the first {@code limit} by display name among display-name
   * matches (each a slice of its index), together sorted by username and cut to {@code limit}.
   */
  Future<Found> search(Caller caller, UserSearch search) {
    String prefix = UserStore.key(search.q());
    Future<List<JsonObject>> byUsername = users.byPrefix(caller.tenant(), "usernameKey", prefix, search.limit());
    Future<List<JsonObject>> byDisplayName = users.byPrefix(caller.tenant(), "displayNameKey", prefix, search.limit());
    return Future.all(byUsername, byDisplayName).map(both -> {
      Map<String, JsonObject> found = new LinkedHashMap<>();
      // The bounds select exactly the names with this prefix, but for a prefix ending in U+FFFF: checked again.
      byUsername.result().stream().filter(u -> u.getString("usernameKey", "").startsWith(prefix))
        .forEach(u -> found.put(u.getString("_id"), u));
      byDisplayName.result().stream().filter(u -> u.getString("displayNameKey", "").startsWith(prefix))
        .forEach(u -> found.put(u.getString("_id"), u));
      return new Found(found.values().stream()
        .sorted(Comparator.comparing((JsonObject u) -> u.getString("usernameKey")).thenComparing(u -> u.getString("username")))
        .limit(search.limit())
        .map(AuthService::directoryUser)
        .toList());
    });
  }

  /** The users of the caller's tenant among {@code ids}, in the order asked; others' and unknown ids are left out. */
  Future<Found> byIds(Caller caller, UserIds request) {
    return users.byIds(request.ids()).map(found -> {
      Map<String, JsonObject> byId = new HashMap<>();
      found.stream().filter(u -> caller.tenant().equals(u.getString("tenant"))).forEach(u -> byId.put(u.getString("_id"), u));
      return new Found(request.ids().stream().map(byId::get).filter(Objects::nonNull).map(AuthService::directoryUser).toList());
    });
  }

  Future<Profile> profile(Caller caller) {
    return users.byId(caller.userId()).map(user -> profile(caller, user));
  }

  Future<Profile> rename(Caller caller, String displayName) {
    return users.rename(caller.userId(), displayName).map(user -> profile(caller, user));
  }

  /** The caller's profile; an account that is gone (or not of the token's tenant) shows what the token says. */
  private static Profile profile(Caller caller, JsonObject user) {
    boolean stored = user != null && caller.tenant().equals(user.getString("tenant"));
    return new Profile(caller.userId(), stored ? user.getString("username") : caller.username(), caller.tenant(),
      stored ? user.getString("displayName") : null);
  }

  private static DirectoryUser directoryUser(JsonObject user) {
    return new DirectoryUser(user.getString("_id"), user.getString("username"), user.getString("displayName"));
  }

  private TokenPair tokenPair(Caller caller, String refreshToken) {
    return new TokenPair(caller, accessTokens.issue(caller), refreshToken, accessTokens.ttlSeconds());
  }
}
