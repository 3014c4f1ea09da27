package io.parley.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.parley.common.Meters;
import io.parley.common.RetryAfter;
import io.parley.config.ParleyConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

/**
 * Decides whether one more request of a subject (a user, a client address, an account) fits its
 * {@link Rate}. With Redis configured the buckets are the cluster's ({@link RedisBuckets}); without it,
 * or while Redis does not answer within {@value #REDIS_TIMEOUT_MS} ms, this node's own
 * ({@link TokenBuckets}): limits stay in force, per node, instead of failing open or blocking.
 * A refused request is counted in {@code parley_rate_limited_total{kind}} and fails RATE_LIMITED
 * with "retry in N s".
 */
public final class RateLimiter {

  private static final Logger LOG = LoggerFactory.getLogger(RateLimiter.class);
  static final long REDIS_TIMEOUT_MS = 250;
  /** After Redis failed, decide locally this long before asking it again (no timeout per request meanwhile). */
  static final long REDIS_RETRY_MS = 1000;
  /** Subjects remembered per node (least recently seen forgotten first): ~150 bytes each. */
  private static final int LOCAL_SUBJECTS_MAX = 100_000;

  private final TokenBuckets local = new TokenBuckets(LOCAL_SUBJECTS_MAX);
  private final Redis redis;
  private final RedisBuckets shared;
  private final Clock clock;
  private final Counter fallbacks;
  private volatile long redisSkippedUntil;
  private volatile boolean fallingBack;

  /** @param redis the shared buckets' Redis, or null on a single node; closed by {@link #close()} */
  public RateLimiter(Redis redis, Clock clock) {
    this.redis = redis;
    this.shared = redis == null ? null : new RedisBuckets(redis);
    this.clock = clock;
    this.fallbacks = Counter.builder("parley_rate_limit_fallbacks")
      .description("rate-limit decisions taken by this node alone because Redis did not answer")
      .register(Meters.registry());
  }

  /** Shared through {@code redis.connection_string} when it is set, else this node's alone. */
  public static RateLimiter create(Vertx vertx, ParleyConfig config) {
    String redis = config.redisConnectionString();
    return new RateLimiter(redis.isBlank() ? null : Redis.createClient(vertx, redis), Clock.systemUTC());
  }

  /**
   * Succeeds if {@code subject} may make one more request under {@code rate}; else fails RATE_LIMITED,
   * its detail {@code what} followed by the wait.
   */
  public Future<Void> check(Rate rate, String subject, String what) {
    if (rate.off()) {
      return Future.succeededFuture();
    }
    return waitMillis(rate, rate.kind() + ":" + subject).compose(wait -> {
      if (wait == 0) {
        return Future.succeededFuture();
      }
      Meters.rateLimited(rate.kind());
      return Future.failedFuture(RetryAfter.rateLimited(what, (wait + 999) / 1000));
    });
  }

  public Future<Void> close() {
    if (redis != null) {
      redis.close();
    }
    return Future.succeededFuture();
  }

  private Future<Long> waitMillis(Rate rate, String key) {
    if (shared == null || clock.millis() < redisSkippedUntil) {
      return Future.succeededFuture(local.take(key, rate, clock.millis()));
    }
    return shared.take(key, rate).timeout(REDIS_TIMEOUT_MS, TimeUnit.MILLISECONDS)
      .onSuccess(wait -> redisAnswered())
      .recover(err -> {
        redisFailed(err);
        return Future.succeededFuture(local.take(key, rate, clock.millis()));
      });
  }

  private void redisFailed(Throwable err) {
    redisSkippedUntil = clock.millis() + REDIS_RETRY_MS;
    fallbacks.increment();
    if (!fallingBack) {
      fallingBack = true;
      LOG.warn("rate limits are this node's own until Redis answers again: {}", err.toString());
    }
  }

  private void redisAnswered() {
    if (fallingBack) {
      fallingBack = false;
      LOG.info("rate limits are shared through Redis again");
    }
  }
}
