package io.parley.store;

import ch.qos.logback.classic.spi.ILoggingEvent;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.bson.Document;
import io.parley.testing.EmbeddedStore;
import io.parley.testing.LogCapture;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.FindOptions;
import io.vertx.ext.mongo.IndexOptions;
import io.vertx.ext.mongo.MongoClient;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.ArrayList;
import java.util.List;

import static io.parley.testing.Async.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded store serves a prefix search ({@code {tenant, key: {$gte: q, $lt: q + "\uffff"}}}, sorted
 * by the key) from the unique (tenant, key) index: the slice of the B-tree between the bounds, in key
 * order, where the library alone would scan the collection and sort in memory. Which shapes the index
 * takes and which it leaves to a scan (and the audit reports) is listed here.
 */
class PrefixRangeIndexTest {

  @RegisterExtension
  final EmbeddedStore store = new EmbeddedStore();

  private static Document prefix(String tenant, String q) {
    return new Document("tenant", tenant).append("key", new Document("$gte", q).append("$lt", q + "\uffff"));
  }

  private static KeyedUniqueIndex index(String... fields) {
    MVMap<KeyValue, Object> map = new MVStore.Builder().open()
      .openMap("test", new MVMap.Builder<KeyValue, Object>().keyType(KeyValueType.INSTANCE));
    List<IndexKey> keys = new ArrayList<>();
    for (String field : fields) {
      keys.add(new IndexKey(field, true));
    }
    return new KeyedUniqueIndex(map, "test", keys, false);
  }

  @Test
  void the_index_takes_an_equal_prefix_then_a_string_range_and_nothing_else() {
    KeyedUniqueIndex index = index("tenant", "key");
    assertTrue(index.canHandle(prefix("acme", "al")));
    assertTrue(index.canHandle(new Document("tenant", "acme").append("key", new Document("$gt", "al"))), "no upper bound");
    assertTrue(index.canHandle(new Document("tenant", "acme").append("key", "alice")), "equality, as before");
    assertFalse(index.canHandle(new Document("tenant", "acme").append("key", new Document("$lt", "b"))), "no lower bound");
    assertFalse(index.canHandle(new Document("tenant", "acme").append("key", new Document("$gte", 1))), "not a string");
    assertFalse(index.canHandle(new Document("tenant", new Document("$gte", "a")).append("key", "x")), "range before the last key");
    assertFalse(index.canHandle(new Document("key", new Document("$gte", "a"))), "not a prefix of the index's keys");
    assertFalse(index.canHandle(prefix("acme", "al").append("other", 1)), "an extra field");
    assertFalse(index.canHandle(new Document("tenant", "acme").append("key", new Document("$regex", "^al"))), "a regex");
    assertFalse(index.canHandle(new Document("tenant", "acme").append("key", new Document("$gte", "a").append("$ne", "b"))),
      "another operator");

    KeyedUniqueIndex wider = index("tenant", "key", "_id");
    assertTrue(wider.canHandle(prefix("acme", "al")), "a range on a middle key leaves the rest free");
  }

  @Test
  void the_order_of_the_slice_satisfies_a_sort_on_the_range_key() {
    KeyedUniqueIndex index = index("tenant", "key");
    Document query = prefix("acme", "al");
    assertTrue(index.yieldsInOrder(query, new Document("key", 1)));
    assertTrue(index.yieldsInOrder(query, new Document("tenant", 1).append("key", 1)));
    assertFalse(index.yieldsInOrder(query, new Document("key", -1)));
    assertFalse(index.yieldsInOrder(query, new Document("username", 1)));
    assertFalse(index.yieldsInOrder(query, new Document("key", 1).append("tenant", 1)));
  }

  @Test
  void a_prefix_search_answers_from_the_index_in_order_and_within_its_tenant() throws Exception {
    MongoClient mongo = store.mongo();
    await(mongo.createIndexWithOptions("names", new JsonObject().put("tenant", 1).put("key", 1), new IndexOptions().unique(true)));
    List<String> names = List.of("ak", "al", "alz", "alice", "alb", "am", "b", "al\u00e9", "alex");
    for (String name : names) {
      await(mongo.insert("names", new JsonObject().put("tenant", "acme").put("key", name)));
      await(mongo.insert("names", new JsonObject().put("tenant", "acme-2").put("key", name)));
    }
    await(mongo.insert("names", new JsonObject().put("tenant", "acm").put("key", "alan")));
    await(mongo.insert("names", new JsonObject().put("tenant", "globex").put("key", "alan")));

    try (LogCapture log = LogCapture.start()) {
      assertEquals(List.of("al", "alb", "alex", "alice", "alz", "al\u00e9"), keys(mongo, "al", 50));
      assertEquals(List.of("al", "alb", "alex"), keys(mongo, "al", 3), "the first three by key");
      assertEquals(List.of("alice"), keys(mongo, "alic", 50));
      assertEquals(List.of(), keys(mongo, "zz", 50));
      assertEquals(List.of(), unindexed(log.stop()), "every prefix search is served by the index");
    }

    try (LogCapture log = LogCapture.start()) {
      JsonObject query = new JsonObject().put("tenant", "acme").put("key", new JsonObject().put("$gte", "al").put("$lt", "al\uffff"));
      List<JsonObject> byTenant = await(mongo.findWithOptions("names", query, new FindOptions().setSort(new JsonObject().put("tenant", -1))));
      assertEquals(6, byTenant.size(), "a sort the index does not give is still applied, in memory");
      List<String> reported = unindexed(log.stop());
      assertTrue(reported.size() == 1 && reported.get(0).contains("names by [key, tenant] sorted by [tenant]"),
        "the audit reports a sort done in memory: " + reported);
    }
  }

  private static List<String> keys(MongoClient mongo, String q, int limit) throws Exception {
    JsonObject query = new JsonObject().put("tenant", "acme").put("key", new JsonObject().put("$gte", q).put("$lt", q + "\uffff"));
    return await(mongo.findWithOptions("names", query, new FindOptions().setSort(new JsonObject().put("key", 1)).setLimit(limit)))
      .stream().map(found -> found.getString("key")).toList();
  }

  private static List<String> unindexed(List<ILoggingEvent> events) {
    return events.stream().map(LogCapture::rendered).filter(line -> line.contains("is not served by an index")).toList();
  }
}
