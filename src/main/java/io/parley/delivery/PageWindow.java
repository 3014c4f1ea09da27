package io.parley.delivery;

import io.vertx.core.Future;

import java.util.function.Supplier;

/**
 * Which numbers of a gap-free sequence (seqs, threadSeqs) a page covers: after {@code after} (exclusive),
 * else before {@code before}, else the newest — so a page is a list of known keys, never a range query.
 */
record PageWindow(long from, long to) {

  /** {@code after}/{@code before} are -1 when not given; {@code head} finds the highest number (newest page only). */
  static Future<PageWindow> of(long after, long before, int limit, Supplier<Future<Long>> head) {
    if (after >= 0) {
      return Future.succeededFuture(new PageWindow(after + 1, after + limit));
    }
    if (before >= 0) {
      return Future.succeededFuture(new PageWindow(Math.max(1, before - limit), before - 1));
    }
    return head.get().map(last -> new PageWindow(Math.max(1, last - limit + 1), last));
  }
}
