package io.parley.store;

import com.mongodb.ErrorCategory;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoConnectionPoolClearedException;
import com.mongodb.MongoServerException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import com.mongodb.MongoWriteException;
import io.parley.common.CommonError;
import io.parley.common.Failure;

/** Classifies driver failures by their server error code, never by message text. */
public final class MongoErrors {

  private MongoErrors() {
  }

  /**
   * The store could not be reached in time: a retryable outage, not a bug. By type, as the driver
   * reports it: no server selectable in time ({@link MongoTimeoutException}: store down or refusing),
   * a connection that failed, broke or went silent past the socket timeout (subclasses of
   * {@link MongoSocketException}: open, read, read timeout, closed), or a connection pool cleared while
   * the call waited for a connection because the driver's monitor found the store gone.
   */
  public static boolean isUnavailable(Throwable failure) {
    return failure instanceof MongoTimeoutException || failure instanceof MongoSocketException
      || failure instanceof MongoConnectionPoolClearedException;
  }

  /** An outage as the typed SERVICE_UNAVAILABLE clients can retry on; anything else unchanged. */
  public static Throwable classify(Throwable failure) {
    return isUnavailable(failure) ? new Failure(CommonError.SERVICE_UNAVAILABLE, "the store is unreachable; retry") : failure;
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
