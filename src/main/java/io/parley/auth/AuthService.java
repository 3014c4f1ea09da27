package io.parley.auth;

import io.parley.auth.api.Account;
import io.parley.auth.api.AccessTokens;
import io.parley.auth.api.AuthError;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/** The rules of accounts and tokens: register, login, refresh with rotation, logout, username lookup. */
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
      .compose(hash -> users.create(registration.tenant(), registration.username(), hash))
      .compose(user -> {
        LOG.info("registered user {} in tenant {}", user.getString("_id"), registration.tenant());
        Account account = new Account(user.getString("_id"), registration.tenant(), registration.username());
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

  private TokenPair tokenPair(Caller caller, String refreshToken) {
    return new TokenPair(caller, accessTokens.issue(caller), refreshToken, accessTokens.ttlSeconds());
  }
}
