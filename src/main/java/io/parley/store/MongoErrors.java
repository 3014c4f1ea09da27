package io.parley.store;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoServerException;
import com.mongodb.MongoWriteException;

/** Classifies driver failures by their server error code, never by message text. */
public final class MongoErrors {

  private MongoErrors() {
  }

  public static boolean isDuplicateKey(Throwable failure) {
    if (failure instanceof MongoWriteException write) {
      return ErrorCategory.fromErrorCode(write.getError().getCode()) == ErrorCategory.DUPLICATE_KEY;
    }
    if (failure instanceof MongoBulkWriteException bulk) {
      return bulk.getWriteErrors().stream()
        .anyMatch(e -> ErrorCategory.fromErrorCode(e.getCode()) == ErrorCategory.DUPLICATE_KEY);
    }
    if (failure instanceof MongoServerException server) {
      return ErrorCategory.fromErrorCode(server.getCode()) == ErrorCategory.DUPLICATE_KEY;
    }
    return false;
  }
}
