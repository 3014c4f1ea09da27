package io.parley.rooms;

import io.parley.store.Migrations;
import io.vertx.core.Future;
import io.vertx.ext.mongo.MongoClient;

/**
 * Data written before the key lists existed: every membership is put on its user's and its
 * conversation's list, every public room on its tenant's. Reads each collection once; idempotent.
 */
final class MembershipListsMigration {

  static final String NAME = "rooms.key-lists";

  private MembershipListsMigration() {
  }

  static Future<Void> run(MongoClient mongo, MembershipStore memberships) {
    ConversationStore conversations = new ConversationStore(mongo);
    return Migrations.once(mongo, NAME, () ->
      Migrations.forEach(mongo, MembershipStore.MEMBERSHIPS, m -> memberships
          .listed(m.getString("tenant"), m.getString("conversationId"), m.getString("userId")).map(true))
        .compose(listed -> Migrations.forEach(mongo, ConversationStore.CONVERSATIONS, c -> conversations.listed(c).map(true))
          .map(rooms -> listed + rooms)));
  }
}
