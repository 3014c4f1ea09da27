package io.parley.ratelimit;

import io.parley.config.ParleyConfig;
import io.vertx.core.json.JsonObject;

/**
 * The rates the node enforces, from {@code limits.rates} and the login settings. Subjects: a user is
 * {@code tenant:userId}, an account {@code tenant:username}, an address the client's IP.
 */
public record RateLimits(Rate sendsPerUser, Rate restWritesPerUser, Rate authPerAddress, Rate loginPerAccount, Rate typingPerUser) {

  public static RateLimits of(ParleyConfig config) {
    JsonObject rates = config.rates();
    return new RateLimits(
      rate("sends_per_user", rates),
      rate("rest_writes_per_user", rates),
      rate("auth_per_address", rates),
      // login_attempts_per_account, refilled over login_window_seconds.
      new Rate("login_account", config.loginAttemptsPerAccount(),
        config.loginAttemptsPerAccount() * 60.0 / config.loginWindowSeconds()),
      rate("typing_per_user", rates));
  }

  private static Rate rate(String kind, JsonObject rates) {
    JsonObject rate = rates.getJsonObject(kind);
    return new Rate(kind, rate.getInteger("burst"), rate.getInteger("per_minute"));
  }
}
