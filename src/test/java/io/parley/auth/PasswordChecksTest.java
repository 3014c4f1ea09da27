package io.parley.auth;

import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** The bound on password work at once (attempts per account over time: AuthServiceTest, LoginStormTest). */
class PasswordChecksTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    await(vertx.close());
  }

  @Test
  void checks_past_the_pending_bound_are_refused_at_once() throws Exception {
    PasswordHasher hasher = new PasswordHasher(vertx, 10_000, 2);
    String stored = await(hasher.hash("secret-password"));
    List<Future<Boolean>> checks = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      checks.add(hasher.verify(stored, "secret-password"));
    }
    await(Future.join(checks).otherwiseEmpty());
    long refused = checks.stream().filter(c -> c.failed()
      && c.cause() instanceof Failure failure && failure.error() == CommonError.RATE_LIMITED).count();
    assertEquals(8, refused, "2 run, 8 are refused without waiting");
    assertEquals(2, checks.stream().filter(c -> c.succeeded() && c.result()).count());
    assertEquals(true, await(hasher.verify(stored, "secret-password")), "capacity returns once they finish");
  }
}
