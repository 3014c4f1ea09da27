package io.parley.delivery.api;

import io.parley.common.Fields;
import io.vertx.core.json.JsonObject;

/**
 * Where a client stands in one conversation: the last message {@code seq} and the last {@code changeSeq}
 * it holds. Named as a number (the seq alone) or as {@code {seq?, changeSeq?}}; what is not named
 * starts from the caller's read position and changeSeq 0.
 */
public record SyncPosition(long seq, long changeSeq) {

  /** Far beyond any real position, and far enough below Long.MAX_VALUE that a page after it cannot overflow. */
  public static final long MAX = Long.MAX_VALUE / 2;

  public static SyncPosition of(Object claimed, long readSeq) {
    if (claimed instanceof Number seen) {
      return new SyncPosition(Math.max(0, seen.longValue()), 0);
    }
    if (claimed instanceof JsonObject position) {
      return new SyncPosition(Fields.optionalLong(position, "seq", 0, MAX, readSeq),
        Fields.optionalLong(position, "changeSeq", 0, MAX, 0));
    }
    return new SyncPosition(readSeq, 0);
  }
}
