package io.parley.auth;

import io.parley.auth.api.AccessTokens;
import io.parley.auth.api.AuthAddresses;
import io.parley.auth.api.AuthLimits;
import io.parley.auth.api.DisplayNames;
import io.parley.auth.api.Login;
import io.parley.auth.api.Registration;
import io.parley.auth.api.ResolveUsers;
import io.parley.auth.api.UserIds;
import io.parley.auth.api.UserSearch;
import io.parley.common.BusRequests;
import io.parley.common.BusService;
import io.parley.common.Concern;
import io.parley.common.Fields;
import io.parley.config.ParleyConfig;
import io.parley.ratelimit.RateLimiter;
import io.parley.ratelimit.RateLimits;
import io.parley.rooms.api.RoomsClient;
import io.parley.store.Mongo;
import io.parley.store.MongoErrors;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

import java.time.Clock;

/** Wires {@link AuthService} to the auth addresses. */
public class AuthVerticle extends VerticleBase {

  private MongoClient mongo;
  private RateLimiter limiter;

  @Override
  public Future<?> start() {
    ParleyConfig config = ParleyConfig.of(config());
    Clock clock = Clock.systemUTC();
    mongo = Mongo.client(vertx, config);
    limiter = RateLimiter.create(vertx, config);
    RoomsClient rooms = new RoomsClient(BusRequests.of(vertx));
    // Half the gateway's wait: a registration answers in time even when rooms does not (the next login retries).
    long welcomeTimeoutMs = config.requestTimeoutMs() / 2;
    AuthService auth = new AuthService(new UserStore(mongo, clock),
      new RefreshTokens(mongo, config.refreshTtlSeconds(), clock),
      new AccessTokens(vertx, config.jwtSecret(), config.issuer(), config.accessTtlSeconds(), clock),
      new PasswordHasher(vertx, config.kdfIterations(), config.passwordChecksPending()),
      limiter, RateLimits.of(config).loginPerAccount(), caller -> rooms.welcome(caller, welcomeTimeoutMs));
    BusService bus = new BusService(vertx.eventBus(), Concern.AUTH, MongoErrors::classify)
      .serveAnonymous(AuthAddresses.REGISTER, body -> auth.register(Registration.fromJson(body)))
      .serveAnonymous(AuthAddresses.LOGIN, body -> auth.login(Login.fromJson(body)))
      .serveAnonymous(AuthAddresses.REFRESH, body -> auth.refresh(refreshToken(body)))
      .serveAnonymous(AuthAddresses.LOGOUT, body -> auth.logout(refreshToken(body)).map(v -> new JsonObject()))
      .serve(AuthAddresses.RESOLVE_USERS, (caller, body) -> auth.resolveUsers(caller, ResolveUsers.fromJson(body)))
      .serve(AuthAddresses.SEARCH_USERS, (caller, body) -> auth.search(caller, UserSearch.fromJson(body)))
      .serve(AuthAddresses.GET_USERS, (caller, body) -> auth.byIds(caller, UserIds.fromJson(body)))
      .serve(AuthAddresses.PROFILE, (caller, body) -> auth.profile(caller))
      .serve(AuthAddresses.UPDATE_PROFILE, (caller, body) -> auth.rename(caller, DisplayNames.of(body, true)));
    return auth.ensureIndexes().compose(v -> bus.ready());
  }

  @Override
  public Future<?> stop() {
    return Future.all(mongo == null ? Future.succeededFuture() : mongo.close(),
      limiter == null ? Future.succeededFuture() : limiter.close());
  }

  private static String refreshToken(JsonObject body) {
    return Fields.requiredString(body, "refreshToken", AuthLimits.REFRESH_TOKEN_MAX_BYTES);
  }
}
