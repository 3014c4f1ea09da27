package io.parley.ratelimit;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The token-bucket rule, in process: what a node decides alone (no Redis configured, or Redis
 * unreachable). {@code token-bucket.lua} is the same rule for the cluster; keep them in step.
 * Bounded: past {@code maxKeys} the least recently used bucket is forgotten (it comes back full,
 * which errs towards letting a request through). Thread-safe.
 */
final class TokenBuckets {

  private final Map<String, double[]> buckets;

  TokenBuckets(int maxKeys) {
    this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
        return size() > maxKeys;
      }
    };
  }

  /** Takes one token from {@code key}'s bucket at {@code nowMillis}: 0 if taken, else the millis until one is there. */
  synchronized long take(String key, Rate rate, long nowMillis) {
    double[] bucket = buckets.computeIfAbsent(key, k -> new double[] {rate.burst(), nowMillis});
    double tokens = Math.min(rate.burst(), bucket[0] + Math.max(0, nowMillis - bucket[1]) * rate.perMilli());
    bucket[1] = Math.max(bucket[1], nowMillis);
    if (tokens >= 1) {
      bucket[0] = tokens - 1;
      return 0;
    }
    bucket[0] = tokens;
    return (long) Math.ceil((1 - tokens) / rate.perMilli());
  }
}
