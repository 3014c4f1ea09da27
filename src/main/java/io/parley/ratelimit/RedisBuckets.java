package io.parley.ratelimit;

import io.parley.common.RedisScript;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;

import java.util.List;

/**
 * The token buckets every node shares: {@code token-bucket.lua} run in Redis, one round trip per
 * decision ({@link RedisScript}).
 */
final class RedisBuckets {

  static final String KEY_PREFIX = "parley:rate:";
  private static final RedisScript SCRIPT = RedisScript.of(RedisBuckets.class, "token-bucket.lua");

  private final Redis redis;

  RedisBuckets(Redis redis) {
    this.redis = redis;
  }

  /** Same answer as {@link TokenBuckets#take}: 0 if taken, else the millis until a token is there. */
  Future<Long> take(String key, Rate rate) {
    return SCRIPT.run(redis, List.of(KEY_PREFIX + key),
        List.of(Integer.toString(rate.burst()), Double.toString(rate.perMilli()), Long.toString(rate.refillMillis())))
      .map(response -> response.toLong());
  }
}
