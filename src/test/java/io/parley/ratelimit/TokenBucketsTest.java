package io.parley.ratelimit;

import io.parley.testing.RedisProcess;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The token-bucket rule, in process with a clock the test sets, and its Lua twin in a real redis-server:
 * a burst, then a wait that shrinks as tokens refill, subjects apart, forgotten subjects come back full.
 */
class TokenBucketsTest {

  @RegisterExtension
  final RedisProcess redis = new RedisProcess();

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void a_bucket_gives_its_burst_then_one_token_per_refill_interval() {
    TokenBuckets buckets = new TokenBuckets(100);
    Rate rate = new Rate("test", 3, 6); // one token per 10 s
    long t = 1_000_000;
    for (int i = 0; i < 3; i++) {
      assertEquals(0, buckets.take("alice", rate, t), "burst " + (i + 1));
    }
    assertEquals(10_000, buckets.take("alice", rate, t));
    assertEquals(4_000, buckets.take("alice", rate, t + 6_000), "the wait shrinks as the token refills");
    assertEquals(0, buckets.take("bob", rate, t), "subjects are apart");
    assertEquals(0, buckets.take("alice", rate, t + 10_000));
    assertEquals(10_000, buckets.take("alice", rate, t + 10_000));
    assertEquals(0, buckets.take("alice", rate, t + 10_000 + 30_000), "a full refill, then the burst again");
    assertEquals(0, buckets.take("alice", rate, t + 40_000));
    assertEquals(0, buckets.take("alice", rate, t + 40_000));
    assertTrue(buckets.take("alice", rate, t + 40_000) > 0, "never more than the burst");
  }

  @Test
  void the_least_recently_used_subject_is_forgotten_past_the_bound_and_comes_back_full() {
    TokenBuckets buckets = new TokenBuckets(2);
    Rate rate = new Rate("test", 1, 1);
    assertEquals(0, buckets.take("a", rate, 0));
    assertTrue(buckets.take("a", rate, 0) > 0);
    buckets.take("b", rate, 0);
    buckets.take("c", rate, 0);
    assertEquals(0, buckets.take("a", rate, 0), "a was the eldest and was forgotten");
  }

  @Test
  void the_redis_script_decides_as_the_local_rule_does() throws Exception {
    Redis client = Redis.createClient(vertx, redis.url());
    RedisBuckets shared = new RedisBuckets(client);
    Rate rate = new Rate("test", 3, 6);
    List<Long> waits = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      waits.add(await(shared.take("alice", rate)));
    }
    assertEquals(List.of(0L, 0L, 0L), waits.subList(0, 3));
    // Redis's clock moved a few ms between calls: the wait is just under one token's 10 s.
    assertTrue(waits.get(3) > 9_000 && waits.get(3) <= 10_000, waits.toString());
    assertTrue(waits.get(4) <= waits.get(3), waits.toString());
    assertEquals(0L, await(shared.take("bob", rate)), "subjects are apart");
    long ttl = await(client.send(io.vertx.redis.client.Request.cmd(io.vertx.redis.client.Command.PTTL)
      .arg(RedisBuckets.KEY_PREFIX + "alice"))).toLong();
    assertTrue(ttl > 0 && ttl <= rate.refillMillis(), "an idle bucket expires once it would be full: " + ttl);
    client.close();
  }
}
