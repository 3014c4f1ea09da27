package io.parley.store;

import de.bwaldvogel.mongo.backend.AbstractUniqueIndex;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.bson.Document;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * A unique index over an MVMap whose keys use {@link KeyValueType}; otherwise as the library's H2 index,
 * plus one query shape the library scans for: equality on the index's first keys (strings) and a string
 * range on the next ({@code $gte}/{@code $gt}, optionally {@code $lt}/{@code $lte}), nothing on the rest
 * — e.g. {@code {tenant, usernameKey: {$gte: q, $lt: q + "\uffff"}}}, a prefix search. The map is a
 * B-tree ordered by those keys, so such a query is a slice of it, read lazily from its first key: a
 * limit stops the read, and the slice comes in key order (see {@link #yieldsInOrder}).
 */
final class KeyedUniqueIndex extends AbstractUniqueIndex<Object> {

  private static final Set<String> LOWER = Set.of("$gte", "$gt");
  private static final Set<String> UPPER = Set.of("$lt", "$lte");

  private final MVMap<KeyValue, Object> map;

  KeyedUniqueIndex(MVMap<KeyValue, Object> map, String name, List<IndexKey> keys, boolean sparse) {
    super(name, keys, sparse);
    this.map = map;
  }

  /** The equal prefix and the range of a range query this index serves. */
  private record Range(List<Object> equal, String from, String to) {
  }

  @Override
  public synchronized boolean canHandle(Document query) {
    return super.canHandle(query) || range(query) != null;
  }

  @Override
  public synchronized Iterable<Object> getPositions(Document query) {
    Range range = super.canHandle(query) ? null : range(query);
    return range == null ? super.getPositions(query) : () -> slice(range);
  }

  /**
   * True when this index hands the documents {@code query} selects in {@code orderBy}'s order already:
   * ascending on the keys after those the query fixes by equality (which are constant), in index order.
   */
  boolean yieldsInOrder(Document query, Document orderBy) {
    List<String> order = new ArrayList<>(orderBy.keySet());
    if (order.isEmpty() || !orderBy.values().stream().allMatch(v -> v instanceof Number n && n.intValue() == 1)) {
      return false;
    }
    int next = 0;
    for (String key : keys()) {
      if (next < order.size() && order.get(next).equals(key)) {
        next++;
      } else if (next == 0 && query.containsKey(key) && !(query.get(key) instanceof Document)) {
        continue; // fixed by the query: every document selected has the same value
      } else {
        break;
      }
    }
    return next == order.size();
  }

  private Range range(Document query) {
    if (isSparse() || query.isEmpty()) {
      return null;
    }
    List<String> keys = keys();
    if (query.size() > keys.size() || !query.keySet().equals(Set.copyOf(keys.subList(0, query.size())))) {
      return null;
    }
    List<Object> equal = new ArrayList<>();
    for (String key : keys.subList(0, query.size() - 1)) {
      if (!(query.get(key) instanceof String value)) {
        return null;
      }
      equal.add(value);
    }
    if (!(query.get(keys.get(query.size() - 1)) instanceof Document bounds)) {
      return null;
    }
    String from = null;
    String to = null;
    for (Map.Entry<String, Object> bound : bounds.entrySet()) {
      if (!(bound.getValue() instanceof String value)) {
        return null;
      } else if (LOWER.contains(bound.getKey()) && from == null) {
        from = value;
      } else if (UPPER.contains(bound.getKey()) && to == null) {
        to = value;
      } else {
        return null;
      }
    }
    return from == null ? null : new Range(equal, from, to);
  }

  /**
   * Positions of the keys from (equal…, from) on, while they keep the equal prefix and a string within the
   * bounds (inclusive: the collection's matcher then applies {@code $gt}/{@code $lt} exactly).
   */
  private Iterator<Object> slice(Range range) {
    List<Object> start = new ArrayList<>(range.equal());
    start.add(range.from());
    Cursor<KeyValue, Object> cursor = map.cursor(new KeyValue(start));
    return new Iterator<>() {
      private Object next = advance();

      private Object advance() {
        if (!cursor.hasNext()) {
          return null;
        }
        KeyValue key = cursor.next();
        for (int i = 0; i < range.equal().size(); i++) {
          if (!range.equal().get(i).equals(key.get(i))) {
            return null;
          }
        }
        if (!(key.get(range.equal().size()) instanceof String value) || (range.to() != null && value.compareTo(range.to()) > 0)) {
          return null;
        }
        return cursor.getValue();
      }

      @Override
      public boolean hasNext() {
        return next != null;
      }

      @Override
      public Object next() {
        if (next == null) {
          throw new NoSuchElementException();
        }
        Object current = next;
        next = advance();
        return current;
      }
    };
  }

  @Override
  protected Object removeDocument(KeyValue key) {
    return map.remove(key);
  }

  @Override
  protected boolean putKeyPosition(KeyValue key, Object position) {
    return map.putIfAbsent(key, Missing.ofNullable(position)) == null;
  }

  @Override
  protected Iterable<Map.Entry<KeyValue, Object>> getIterable() {
    return map.entrySet();
  }

  @Override
  protected Object getPosition(KeyValue key) {
    return map.get(key);
  }

  @Override
  public long getCount() {
    return map.sizeAsLong();
  }

  @Override
  public boolean isEmpty() {
    return map.isEmpty();
  }

  @Override
  public long getDataSize() {
    return getCount();
  }
}
