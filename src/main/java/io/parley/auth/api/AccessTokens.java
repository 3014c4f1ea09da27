package io.parley.auth.api;

import io.parley.common.Caller;
import io.parley.common.Failure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.User;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;

import java.time.Clock;

/**
 * Short-lived JWT access tokens (HS256, vertx-auth-jwt) carrying the tenant and the user. Part of the
 * auth contract: the auth concern issues them, the gateway verifies them on every REST call and
 * bridge frame. Issue times come from the injected clock; verification uses the real time.
 */
public final class AccessTokens {

  public static final String TENANT_CLAIM = "tenant";
  public static final String USERNAME_CLAIM = "name";
  private static final String ALGORITHM = "HS256";
  private static final int LEEWAY_SECONDS = 5;

  private final JWTAuth jwt;
  private final String issuer;
  private final int ttlSeconds;
  private final Clock clock;

  public AccessTokens(Vertx vertx, String secret, String issuer, int ttlSeconds, Clock clock) {
    this.issuer = issuer;
    this.ttlSeconds = ttlSeconds;
    this.clock = clock;
    this.jwt = JWTAuth.create(vertx, new JWTAuthOptions()
      .addPubSecKey(new PubSecKeyOptions().setAlgorithm(ALGORITHM).setBuffer(secret))
      .setJWTOptions(new JWTOptions().setIssuer(issuer).setLeeway(LEEWAY_SECONDS)));
  }

  public JWTAuth provider() {
    return jwt;
  }

  public int ttlSeconds() {
    return ttlSeconds;
  }

  public String issue(Caller caller) {
    long now = clock.instant().getEpochSecond();
    JsonObject claims = new JsonObject()
      .put(TENANT_CLAIM, caller.tenant())
      .put(USERNAME_CLAIM, caller.username())
      .put("iat", now)
      .put("exp", now + ttlSeconds);
    return jwt.generateToken(claims, new JWTOptions()
      .setAlgorithm(ALGORITHM)
      .setIssuer(issuer)
      .setSubject(caller.userId()));
  }

  /** Verifies signature, algorithm, issuer and expiry; fails with TOKEN_INVALID. */
  public Future<Verified> verify(String token) {
    return jwt.authenticate(new TokenCredentials(token))
      .recover(err -> Failure.fail(AuthError.TOKEN_INVALID, "access token is invalid or expired"))
      // vertx-auth-jwt keeps exp among the user's attributes, not in the principal.
      .compose(user -> caller(user).map(caller -> new Verified(caller, user.attributes().getLong("exp", 0L) * 1000)));
  }

  /** The caller a verified vertx-auth user stands for. */
  public static Future<Caller> caller(User user) {
    JsonObject principal = user.principal();
    String tenant = principal.getString(TENANT_CLAIM);
    String subject = principal.getString("sub");
    if (tenant == null || subject == null) {
      return Failure.fail(AuthError.TOKEN_INVALID, "access token lacks tenant or subject");
    }
    return Future.succeededFuture(new Caller(tenant, subject, principal.getString(USERNAME_CLAIM)));
  }

  /** A verified token: whom it stands for and until when (epoch millis). */
  public record Verified(Caller caller, long expiresAtMillis) {
  }
}
