package io.parley.auth;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.auth.hashing.HashingStrategy;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;

/**
 * PBKDF2-HMAC-SHA512 (vertx-auth-common's implementation) in PHC string form, on worker threads:
 * a hash at the default 210,000 iterations takes long enough to stall an event loop.
 */
final class PasswordHasher {

  private static final String ALGORITHM = "pbkdf2";

  private final Vertx vertx;
  private final HashingStrategy strategy = HashingStrategy.load();
  private final SecureRandom random = new SecureRandom();
  private final int iterations;
  /** Verified against when the user does not exist, so timing does not reveal which usernames exist. */
  private volatile String decoy;

  PasswordHasher(Vertx vertx, int iterations) {
    this.vertx = vertx;
    this.iterations = iterations;
  }

  Future<String> hash(String password) {
    return vertx.executeBlocking(() -> hashNow(password), false);
  }

  Future<Boolean> verify(String storedHash, String password) {
    return vertx.executeBlocking(() -> {
      if (storedHash != null) {
        return strategy.verify(storedHash, password);
      }
      if (decoy == null) {
        decoy = hashNow("decoy-password-" + random.nextLong());
      }
      strategy.verify(decoy, password);
      return false;
    }, false);
  }

  private String hashNow(String password) {
    byte[] salt = new byte[16];
    random.nextBytes(salt);
    return strategy.hash(ALGORITHM, Map.of("it", String.valueOf(iterations)),
      Base64.getEncoder().withoutPadding().encodeToString(salt), password);
  }
}
