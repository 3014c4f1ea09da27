package io.parley.testing;

import io.parley.common.ErrorCode;
import io.parley.common.Failure;
import io.vertx.core.Future;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/** How a service call ended, for unit tests that call services directly (no bus, no HTTP). */
public final class Outcomes {

  private Outcomes() {
  }

  /** Blocks the test thread until {@code future} completes (30 s at most); rethrows its failure as is. */
  public static <T> T await(Future<T> future) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }

  /**
   * Asserts that {@code call} fails with the typed {@code expected} code, whether it throws (a rule
   * checked before any I/O) or returns a failed future; returns the failure's detail.
   */
  public static String assertFailsWith(ErrorCode expected, Supplier<Future<?>> call) throws Exception {
    Object result;
    try {
      result = await(call.get());
    } catch (Failure failure) {
      assertEquals(expected, failure.error(), "failure code, detail: " + failure.detail());
      return failure.detail();
    } catch (Exception other) {
      assertInstanceOf(Failure.class, other, "a typed failure " + expected);
      throw other;
    }
    throw new AssertionError("expected " + expected.code() + " but it succeeded with " + result);
  }
}
