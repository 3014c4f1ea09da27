package io.parley.testing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;

/** Waiting on futures in tests: blocking (on the test thread only), bounded in time, or one step after another. */
public final class Async {

  /** Long enough for a node under a loaded build machine, short enough to fail before the test's own timeout. */
  public static final long AWAIT_SECONDS = 60;

  private Async() {
  }

  /** Blocks the test thread (never an event loop) until {@code future} completes; rethrows its failure as is. */
  public static <T> T await(Future<T> future) throws Exception {
    return await(future, AWAIT_SECONDS);
  }

  public static <T> T await(Future<T> future, long seconds) throws Exception {
    try {
      return future.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }

  /** {@code future}, or an AssertionError saying {@code failure} if it has not completed within {@code ms}. */
  public static <T> Future<T> within(Vertx vertx, long ms, Future<T> future, Supplier<String> failure) {
    Promise<T> promise = Promise.promise();
    long timer = vertx.setTimer(ms, t -> promise.tryFail(new AssertionError(failure.get())));
    future.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        promise.tryComplete(ar.result());
      } else {
        promise.tryFail(ar.cause());
      }
    });
    return promise.future();
  }

  /** {@code future}, its failure (an assertion's too) prefixed with {@code what} so a table of checks names the row. */
  public static <T> Future<T> labelled(String what, Future<T> future) {
    return future.recover(err -> Future.failedFuture(new AssertionError(what + ": " + err.getMessage(), err)));
  }

  /** Runs steps one after another, so each failure is reported for the step that caused it. */
  public static Future<Void> sequence(List<? extends Supplier<? extends Future<?>>> steps) {
    Future<Void> chain = Future.succeededFuture();
    for (Supplier<? extends Future<?>> step : steps) {
      chain = chain.compose(v -> step.get().mapEmpty());
    }
    return chain;
  }

  @SafeVarargs
  public static Future<Void> sequence(Supplier<? extends Future<?>>... steps) {
    return sequence(List.of(steps));
  }

  /** Runs {@code check} (assertions) on the future's value; an AssertionError fails the returned future. */
  public static <T> Future<T> verify(Future<T> future, ThrowingConsumer<T> check) {
    return future.compose(checking(check));
  }

  /** The same as a step for {@code compose}: passes the value on once {@code check} accepts it. */
  public static <T> Function<T, Future<T>> checking(ThrowingConsumer<T> check) {
    return value -> {
      try {
        check.accept(value);
        return Future.succeededFuture(value);
      } catch (Throwable t) {
        return Future.failedFuture(t);
      }
    };
  }

  /** A consumer that may throw, for assertions. */
  @FunctionalInterface
  public interface ThrowingConsumer<T> {
    void accept(T value) throws Throwable;
  }
}
