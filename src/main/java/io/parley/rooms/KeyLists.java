package io.parley.rooms;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;
import io.vertx.ext.mongo.UpdateOptions;

import java.util.List;

/**
 * A collection of id lists, one document per owner key ({@code _id} = the key, {@code ids} = the
 * list): a user's conversations, a conversation's members, a tenant's public rooms. Reading one is a
 * lookup by {@code _id}, which every store serves from an index however large the data, where a query
 * on a non-unique field (e.g. memberships by user) would scan the embedded store. The documents they
 * index remain the truth: a list may name an id whose document is gone (readers skip it), and writers
 * add ids again whenever they touch the document, which repairs a list a crash left behind.
 */
final class KeyLists {

  private final MongoClient mongo;
  private final String collection;

  KeyLists(MongoClient mongo, String collection) {
    this.mongo = mongo;
    this.collection = collection;
  }

  Future<Void> add(String key, String id) {
    return mongo.updateCollectionWithOptions(collection, new JsonObject().put("_id", key),
      new JsonObject().put("$addToSet", new JsonObject().put("ids", id)), new UpdateOptions().setUpsert(true)).mapEmpty();
  }

  Future<Void> remove(String key, String id) {
    return mongo.updateCollection(collection, new JsonObject().put("_id", key),
      new JsonObject().put("$pull", new JsonObject().put("ids", id))).mapEmpty();
  }

  /** The ids listed under {@code key}, in the order they were added; empty when there is none. */
  Future<List<String>> get(String key) {
    return mongo.findOne(collection, new JsonObject().put("_id", key), null).map(found -> {
      JsonArray ids = found == null ? null : found.getJsonArray("ids");
      return ids == null ? List.<String>of() : ids.stream().map(String.class::cast).toList();
    });
  }
}
