package io.parley.delivery;

import io.vertx.core.Future;

import java.util.function.LongFunction;

/**
 * The highest stored number of a gap-free sequence (a conversation's messages or changes), found by
 * lookups of single numbers only: from one known to be stored, gallop forward (+1, +2, +4, …), then
 * bisect. With no gaps, "exists" holds up to the head and not after it.
 */
final class HeadProbe {

  private HeadProbe() {
  }

  static Future<Long> from(long stored, LongFunction<Future<Boolean>> exists) {
    return gallop(exists, stored, 1);
  }

  private static Future<Long> gallop(LongFunction<Future<Boolean>> exists, long stored, long step) {
    return exists.apply(stored + step).compose(found -> found
      ? gallop(exists, stored + step, step * 2)
      : bisect(exists, stored, stored + step));
  }

  /** Head in [stored, missing): {@code stored} exists, {@code missing} does not. */
  private static Future<Long> bisect(LongFunction<Future<Boolean>> exists, long stored, long missing) {
    if (missing - stored <= 1) {
      return Future.succeededFuture(stored);
    }
    long middle = stored + (missing - stored) / 2;
    return exists.apply(middle).compose(found -> found
      ? bisect(exists, middle, missing)
      : bisect(exists, stored, middle));
  }
}
