package io.parley.auth;

import io.parley.common.BusService;
import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.common.Fields;
import io.parley.config.ParleyConfig;
import io.parley.store.Mongo;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.regex.Pattern;

/** Accounts and tokens: register, login, refresh with rotation, logout, username lookup. */
public class AuthVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(AuthVerticle.class);

  public static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
  public static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,31}");
  private static final int PASSWORD_MIN = 8;
  private static final int PASSWORD_MAX_BYTES = 256;

  private MongoClient mongo;
  private UserStore users;
  private RefreshTokens refreshTokens;
  private AccessTokens accessTokens;
  private PasswordHasher hasher;

  @Override
  public Future<?> start() {
    ParleyConfig config = ParleyConfig.of(config());
    mongo = Mongo.client(vertx, config);
    users = new UserStore(mongo);
    refreshTokens = new RefreshTokens(mongo, config.refreshTtlSeconds());
    accessTokens = new AccessTokens(vertx, config);
    hasher = new PasswordHasher(vertx, config.kdfIterations());
    BusService bus = new BusService(vertx.eventBus())
      .serveAnonymous(AuthAddresses.REGISTER, this::register)
      .serveAnonymous(AuthAddresses.LOGIN, this::login)
      .serveAnonymous(AuthAddresses.REFRESH, this::refresh)
      .serveAnonymous(AuthAddresses.LOGOUT, this::logout)
      .serve(AuthAddresses.RESOLVE_USERS, this::resolveUsers)
      .serveAnonymous(AuthAddresses.PING, body -> Future.succeededFuture(new JsonObject()));
    return Future.all(users.ensureIndexes(), refreshTokens.ensureIndexes()).compose(v -> bus.ready());
  }

  @Override
  public Future<?> stop() {
    return mongo == null ? Future.succeededFuture() : mongo.close();
  }

  private Future<JsonObject> register(JsonObject body) {
    String tenant = Fields.matching(body, "tenant", TENANT, "must be 1-63 lower-case letters, digits, '-' or '_'");
    String username = Fields.matching(body, "username", USERNAME, "must be 1-32 letters, digits, '.', '-' or '_'");
    String password = password(body);
    return hasher.hash(password)
      .compose(hash -> users.create(tenant, username, hash))
      .map(user -> {
        LOG.info("registered user {} in tenant {}", user.getString("_id"), tenant);
        return new JsonObject().put("userId", user.getString("_id")).put("tenant", tenant).put("username", username);
      });
  }

  private Future<JsonObject> login(JsonObject body) {
    String tenant = Fields.matching(body, "tenant", TENANT, "must be 1-63 lower-case letters, digits, '-' or '_'");
    String username = Fields.requiredString(body, "username", 64);
    String password = password(body);
    return users.find(tenant, username).compose(user ->
      hasher.verify(user == null ? null : user.getString("passwordHash"), password).compose(ok -> {
        if (!ok) {
          return Failure.fail(AuthError.INVALID_CREDENTIALS, "unknown user or wrong password");
        }
        Caller caller = new Caller(tenant, user.getString("_id"), user.getString("username"));
        return refreshTokens.issue(caller).map(refresh -> tokenPair(caller, refresh));
      }));
  }

  private Future<JsonObject> refresh(JsonObject body) {
    String token = Fields.requiredString(body, "refreshToken", 128);
    return refreshTokens.rotate(token).map(rotation -> tokenPair(rotation.caller(), rotation.refreshToken()));
  }

  private Future<JsonObject> logout(JsonObject body) {
    String token = Fields.requiredString(body, "refreshToken", 128);
    return refreshTokens.revoke(token).map(v -> new JsonObject());
  }

  private Future<JsonObject> resolveUsers(Caller caller, JsonObject body) {
    JsonArray names = Fields.optionalArray(body, "usernames", 10_000);
    for (Object name : names) {
      if (!(name instanceof String)) {
        throw Fields.invalid("usernames", "must contain strings");
      }
    }
    return users.findAll(caller.tenant(), names.stream().map(String.class::cast).toList())
      .map(found -> new JsonObject().put("users", new JsonArray(found.stream()
        .map(u -> new JsonObject().put("userId", u.getString("_id")).put("username", u.getString("username")))
        .toList())));
  }

  private JsonObject tokenPair(Caller caller, String refreshToken) {
    return new JsonObject()
      .put("accessToken", accessTokens.issue(caller))
      .put("refreshToken", refreshToken)
      .put("expiresIn", accessTokens.ttlSeconds())
      .put("tokenType", "Bearer")
      .put("userId", caller.userId())
      .put("username", caller.username())
      .put("tenant", caller.tenant());
  }

  private static String password(JsonObject body) {
    String password = Fields.requiredString(body, "password", PASSWORD_MAX_BYTES);
    if (password.length() < PASSWORD_MIN) {
      throw Fields.invalid("password", "must be at least " + PASSWORD_MIN + " characters");
    }
    return password;
  }
}
