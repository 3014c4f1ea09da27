package io.parley.ratelimit;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The token buckets every node shares: {@code token-bucket.lua} run in Redis, one round trip per
 * decision (EVALSHA; the script is sent once more with EVAL when Redis does not know it yet, e.g.
 * after a restart).
 */
final class RedisBuckets {

  static final String KEY_PREFIX = "parley:rate:";
  private static final String SCRIPT = load();
  private static final String SHA = sha1(SCRIPT);

  private final Redis redis;

  RedisBuckets(Redis redis) {
    this.redis = redis;
  }

  /** Same answer as {@link TokenBuckets#take}: 0 if taken, else the millis until a token is there. */
  Future<Long> take(String key, Rate rate) {
    return redis.send(script(Command.EVALSHA, SHA, key, rate))
      .recover(err -> err.getMessage() != null && err.getMessage().startsWith("NOSCRIPT")
        ? redis.send(script(Command.EVAL, SCRIPT, key, rate))
        : Future.failedFuture(err))
      .map(response -> response.toLong());
  }

  private static Request script(Command command, String script, String key, Rate rate) {
    return Request.cmd(command).arg(script).arg(1).arg(KEY_PREFIX + key)
      .arg(rate.burst()).arg(Double.toString(rate.perMilli())).arg(rate.refillMillis());
  }

  private static String load() {
    try (InputStream in = RedisBuckets.class.getResourceAsStream("token-bucket.lua")) {
      if (in == null) {
        throw new IllegalStateException("token-bucket.lua is missing from the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
