package io.parley.store;

import de.bwaldvogel.mongo.MongoBackend;
import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.bson.Document;
import io.micrometer.core.instrument.Counter;
import io.parley.common.Meters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Watches the queries the embedded store answers and reports any that no index can serve (asked with
 * the library's own rule, {@code Index.canHandle}, which {@link KeyedUniqueIndex} extends to prefix ranges):
 * such a query scans the whole collection, so its cost grows with every tenant's data. A sorted find counts
 * as served only when the index hands the documents in that order ({@link KeyedUniqueIndex#yieldsInOrder}),
 * else every selected document is read and sorted in memory. Each shape (collection, field names, sort)
 * is logged once as a warning and counted in {@code parley_store_unindexed_queries_total}. A filter-less
 * read (a start-up migration's one pass) is not a lookup and is not reported.
 */
final class IndexAudit {

  private static final Logger LOG = LoggerFactory.getLogger(IndexAudit.class);

  private final MongoBackend backend;
  private final Set<String> reported = ConcurrentHashMap.newKeySet();
  /**
   * Verdicts by query shape (collection, its index count, each field with the operators it uses): the
   * audit runs on every command, and asking every index (whose {@code canHandle} is synchronized) each
   * time would put a lock and a scan of the index list on the store's hot path.
   */
  private final Map<String, Boolean> verdicts = new ConcurrentHashMap<>();

  IndexAudit(MongoBackend backend) {
    this.backend = backend;
  }

  void check(String database, String command, Document body) {
    String collection = body.get(commandKey(body, command)) instanceof String name ? name : null;
    if (collection == null) {
      return;
    }
    Document sort = body.get("sort") instanceof Document order ? order : new Document();
    for (Document filter : filters(command.toLowerCase(Locale.ROOT), body)) {
      if (!filter.isEmpty() && !served(database, collection, filter, sort)) {
        report(collection, filter, sort);
      }
    }
  }

  private static String commandKey(Document body, String command) {
    return body.keySet().stream().filter(k -> k.equalsIgnoreCase(command)).findFirst().orElse(command);
  }

  private static List<Document> filters(String command, Document body) {
    List<Document> filters = new ArrayList<>();
    switch (command) {
      case "find" -> add(filters, body.get("filter"));
      case "count", "findandmodify" -> add(filters, body.get("query"));
      case "update" -> each(body.get("updates"), update -> add(filters, update.get("q")));
      case "delete" -> each(body.get("deletes"), delete -> add(filters, delete.get("q")));
      default -> { }
    }
    return filters;
  }

  private static void add(List<Document> filters, Object filter) {
    if (filter instanceof Document document) {
      filters.add(document);
    }
  }

  private static void each(Object list, Consumer<Document> action) {
    if (list instanceof List<?> items) {
      items.stream().filter(Document.class::isInstance).map(Document.class::cast).forEach(action);
    }
  }

  private boolean served(String database, String collection, Document filter, Document sort) {
    MongoCollection<?> resolved = backend.resolveDatabase(database).resolveCollection(collection, false);
    if (resolved == null) {
      return true;
    }
    List<? extends Index<?>> indexes = resolved.getIndexes();
    String shape = database + "." + collection + "#" + indexes.size() + shapeOf(filter) + "#" + sort.keySet();
    // The first index that can handle a query is the one the library uses (see KeyedH2Collection).
    return verdicts.computeIfAbsent(shape, s -> indexes.stream().filter(index -> index.canHandle(filter)).findFirst()
      .map(index -> sort.isEmpty() || (index instanceof KeyedUniqueIndex keyed && keyed.yieldsInOrder(filter, sort)))
      .orElse(false));
  }

  /** The fields of a filter with, for each, the operators it applies ("=" for an equality). */
  private static String shapeOf(Document filter) {
    StringBuilder shape = new StringBuilder();
    new TreeMap<>(filter).forEach((field, value) -> shape.append('|').append(field).append(':')
      .append(value instanceof Document operators ? new TreeSet<>(operators.keySet()) : "="));
    return shape.toString();
  }

  private void report(String collection, Document filter, Document sort) {
    String shape = collection + " by " + new TreeSet<>(filter.keySet()) + (sort.isEmpty() ? "" : " sorted by " + sort.keySet());
    Counter.builder("parley_store_unindexed_queries").description("queries the embedded store answered by scanning a collection")
      .tag("shape", shape).register(Meters.registry()).increment();
    if (reported.add(shape)) {
      LOG.warn("query on {} is not served by an index: it scans the whole collection", shape);
    }
  }
}
