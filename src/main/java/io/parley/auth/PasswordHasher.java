package io.parley.auth;

import io.parley.common.Meters;
import io.parley.common.RetryAfter;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.auth.hashing.HashingStrategy;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * PBKDF2-HMAC-SHA512 (vertx-auth-common's implementation) in PHC string form, on worker threads:
 * a hash at the default 210,000 iterations takes long enough to stall an event loop. At most
 * {@code maxPending} are queued or running; more are refused with RATE_LIMITED at once.
 */
final class PasswordHasher {

  private static final String ALGORITHM = "pbkdf2";

  private final Vertx vertx;
  private final HashingStrategy strategy = HashingStrategy.load();
  private final SecureRandom random = new SecureRandom();
  private final int iterations;
  /** Hashes queued or running; past the bound a request is refused at once instead of queueing behind a storm. */
  private final AtomicInteger pending = new AtomicInteger();
  private final int maxPending;
  /** Verified against when the user does not exist, so timing does not reveal which usernames exist. */
  private volatile String decoy;

  PasswordHasher(Vertx vertx, int iterations, int maxPending) {
    this.vertx = vertx;
    this.iterations = iterations;
    this.maxPending = maxPending;
  }

  Future<String> hash(String password) {
    return bounded(() -> hashNow(password));
  }

  Future<Boolean> verify(String storedHash, String password) {
    return bounded(() -> {
      if (storedHash != null) {
        return strategy.verify(storedHash, password);
      }
      if (decoy == null) {
        decoy = hashNow("decoy-password-" + random.nextLong());
      }
      strategy.verify(decoy, password);
      return false;
    });
  }

  private <T> Future<T> bounded(Callable<T> work) {
    if (pending.incrementAndGet() > maxPending) {
      pending.decrementAndGet();
      Meters.rateLimited("password_checks");
      return Future.failedFuture(RetryAfter.rateLimited("too many password checks in progress", 1));
    }
    return vertx.executeBlocking(work, false).onComplete(done -> pending.decrementAndGet());
  }

  private String hashNow(String password) {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    return strategy.hash(ALGORITHM, Map.of("it", String.valueOf(iterations)),
      Base64.getEncoder().withoutPadding().encodeToString(salt), password);
  }
}
