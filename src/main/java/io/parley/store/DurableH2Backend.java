package io.parley.store;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

import java.util.Locale;
import java.util.Set;

/**
 * The H2 backend of the embedded MongoDB-wire server, answering a write only after an MVStore commit
 * that includes it. Left alone, the MVStore commits about once a second, so a crash could lose writes
 * the client was already told were stored; this makes an ack mean what it means on a real mongod with
 * journaling.
 *
 * <p>Group commit: a commit covers every write finished before it started. A writer whose write is not
 * covered yet either starts the next commit (if none is running) or waits for the running one and
 * then, if still needed, the next; so concurrent writers on the server's worker threads share one
 * commit instead of queueing one commit each.
 */
final class DurableH2Backend extends H2Backend {

  private static final Set<String> WRITE_COMMANDS = Set.of(
    "insert", "update", "delete", "findandmodify", "createindexes", "dropindexes",
    "drop", "dropdatabase", "create", "renamecollection");

  private final Object commits = new Object();
  /** Writes finished so far (each takes the next number). */
  private long written;
  /** Every write numbered up to this is in a finished commit. */
  private long committed;
  private boolean committing;
  private long commitCount;

  private final IndexAudit audit = new IndexAudit(this);

  DurableH2Backend(String file) {
    super(file);
  }

  /** Databases with BSON documents and natively compared index keys (see {@link KeyedH2Database}). */
  @Override
  protected MongoDatabase openOrCreateDatabase(String databaseName) {
    return KeyedH2Database.open(databaseName, getMvStore(), getCursorRegistry());
  }

  @Override
  public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
    audit.check(databaseName, command, query);
    Document response = super.handleCommand(channel, databaseName, command, query);
    if (WRITE_COMMANDS.contains(command.toLowerCase(Locale.ROOT))) {
      awaitCommitOf(finishedWrite());
    }
    return response;
  }

  /** Commits run so far; with concurrent writers, fewer than the writes. */
  long commits() {
    synchronized (commits) {
      return commitCount;
    }
  }

  private long finishedWrite() {
    synchronized (commits) {
      return ++written;
    }
  }

  private void awaitCommitOf(long write) {
    while (true) {
      long covers;
      synchronized (commits) {
        while (committing && committed < write) {
          waitForCommit();
        }
        if (committed >= write) {
          return;
        }
        committing = true;
        covers = written;
      }
      // The commit runs outside the lock, so other writers keep finishing (and queueing) meanwhile.
      boolean done = false;
      try {
        commit();
        done = true;
      } finally {
        synchronized (commits) {
          committing = false;
          if (done) {
            committed = Math.max(committed, covers);
            commitCount++;
          }
          commits.notifyAll();
        }
      }
    }
  }

  private void waitForCommit() {
    try {
      commits.wait();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for a commit", e);
    }
  }
}
