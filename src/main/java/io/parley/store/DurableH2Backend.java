package io.parley.store;

import de.bwaldvogel.mongo.backend.h2.H2Backend;
import de.bwaldvogel.mongo.bson.Document;
import io.netty.channel.Channel;

import java.util.Locale;
import java.util.Set;

/**
 * The H2 backend of the embedded MongoDB-wire server, committing its MVStore before a write is
 * acknowledged. Left alone, the MVStore commits about once a second, so a crash could lose writes
 * the client was already told were stored; this makes an ack mean what it means on a real mongod
 * with journaling.
 */
final class DurableH2Backend extends H2Backend {

  private static final Set<String> WRITE_COMMANDS = Set.of(
    "insert", "update", "delete", "findandmodify", "createindexes", "dropindexes",
    "drop", "dropdatabase", "create", "renamecollection");

  DurableH2Backend(String file) {
    super(file);
  }

  @Override
  public Document handleCommand(Channel channel, String databaseName, String command, Document query) {
    Document response = super.handleCommand(channel, databaseName, command, query);
    if (WRITE_COMMANDS.contains(command.toLowerCase(Locale.ROOT))) {
      commit();
    }
    return response;
  }
}
