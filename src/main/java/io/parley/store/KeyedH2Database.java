package io.parley.store;

import de.bwaldvogel.mongo.MongoCollection;
import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.IndexKey;
import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.h2.H2Database;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.oplog.Oplog;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The H2 database of the embedded store with documents kept as BSON ({@link BsonDocumentType}) and
 * unique-index keys compared natively ({@link KeyValueType}), where the library's default keeps both
 * Java-serialized; its unique indexes also serve prefix ranges ({@link KeyedUniqueIndex}). Maps written by the default layout are copied once into maps of the new one (new
 * names, so nothing is ever read with the wrong type) and then removed.
 */
final class KeyedH2Database extends H2Database {

  private static final Logger LOG = LoggerFactory.getLogger(KeyedH2Database.class);
  private static final String META_PREFIX = "meta.";
  private static final String DATABASES_PREFIX = "databases.";
  /** Marks maps of this layout. */
  static final String SUFFIX = "#bson";
  /** The super constructor opens collections before this class's fields exist: it finds the store here. */
  private static final ThreadLocal<MVStore> OPENING = new ThreadLocal<>();

  private MVStore store;

  private KeyedH2Database(String name, MVStore store, CursorRegistry cursors) {
    super(name, store, cursors);
    this.store = store;
  }

  static KeyedH2Database open(String name, MVStore store, CursorRegistry cursors) {
    OPENING.set(store);
    try {
      return new KeyedH2Database(name, store, cursors);
    } finally {
      OPENING.remove();
    }
  }

  private MVStore store() {
    return store != null ? store : OPENING.get();
  }

  @Override
  protected Index<Object> openOrCreateUniqueIndex(String collectionName, String indexName, List<IndexKey> keys, boolean sparse) {
    String old = getFullCollectionNamespace(collectionName) + "._index_" + indexName;
    MVMap<KeyValue, Object> map = store().openMap(old + SUFFIX, new MVMap.Builder<KeyValue, Object>().keyType(KeyValueType.INSTANCE));
    carryOver(old, map);
    return new KeyedUniqueIndex(map, indexName, keys, sparse);
  }

  @Override
  protected MongoCollection<Object> openOrCreateCollection(String collectionName, CollectionOptions options) {
    String full = getFullCollectionNamespace(collectionName);
    MVMap<Object, Document> data = store().openMap(DATABASES_PREFIX + full + SUFFIX,
      new MVMap.Builder<Object, Document>().valueType(BsonDocumentType.INSTANCE));
    carryOver(DATABASES_PREFIX + full, data);
    MVMap<String, Object> meta = store().openMap(META_PREFIX + full);
    return new KeyedH2Collection(this, collectionName, options, data, meta, cursorRegistry);
  }

  /** Copies a map of the default layout into its replacement, once, then drops it. */
  private <K, V> void carryOver(String oldName, MVMap<K, V> replacement) {
    MVStore mvStore = store();
    if (!mvStore.hasMap(oldName)) {
      return;
    }
    MVMap<K, V> old = mvStore.openMap(oldName);
    if (replacement.isEmpty()) {
      old.forEach(replacement::put);
    }
    LOG.info("embedded store: {} entries of {} moved to the BSON layout", old.size(), oldName);
    mvStore.removeMap(old);
    mvStore.commit();
  }

  @Override
  protected void dropIndex(MongoCollection<Object> collection, String indexName) {
    super.dropIndex(collection, indexName);
    store().removeMap(getFullCollectionNamespace(collection.getCollectionName()) + "._index_" + indexName + SUFFIX);
  }

  @Override
  public void dropCollection(String collectionName, Oplog oplog) {
    super.dropCollection(collectionName, oplog);
    store().removeMap(DATABASES_PREFIX + getFullCollectionNamespace(collectionName) + SUFFIX);
  }

  @Override
  public void moveCollection(MongoDatabase oldDatabase, MongoCollection<?> collection, String newCollectionName) {
    super.moveCollection(oldDatabase, collection, newCollectionName);
    MVStore mvStore = store();
    String from = DATABASES_PREFIX + collection.getFullName() + SUFFIX;
    if (mvStore.hasMap(from)) {
      mvStore.renameMap(mvStore.openMap(from), DATABASES_PREFIX + getFullCollectionNamespace(newCollectionName) + SUFFIX);
    }
  }
}
