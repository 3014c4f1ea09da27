package io.parley.store;

import de.bwaldvogel.mongo.MongoDatabase;
import de.bwaldvogel.mongo.backend.CollectionOptions;
import de.bwaldvogel.mongo.backend.CursorRegistry;
import de.bwaldvogel.mongo.backend.Index;
import de.bwaldvogel.mongo.backend.QueryResult;
import de.bwaldvogel.mongo.backend.h2.H2Collection;
import de.bwaldvogel.mongo.bson.Document;
import org.h2.mvstore.MVMap;

/**
 * The library's H2 collection, except that a sorted query served by a {@link KeyedUniqueIndex} that hands
 * its documents in the asked order already is not sorted again: the library sorts in memory, which reads
 * every selected document before a limit applies, where the index's slice stops at the limit.
 */
final class KeyedH2Collection extends H2Collection {

  KeyedH2Collection(MongoDatabase database, String name, CollectionOptions options, MVMap<Object, Document> data,
                    MVMap<String, Object> meta, CursorRegistry cursors) {
    super(database, name, options, data, meta, cursors);
  }

  @Override
  protected QueryResult queryDocuments(Document query, Document orderBy, int skip, int limit, int batchSize, Document fieldSelector) {
    if (orderBy != null && !orderBy.isEmpty()) {
      // The index the library would pick: the first that can handle the query.
      for (Index<Object> index : getIndexes()) {
        if (index.canHandle(query)) {
          boolean ordered = index instanceof KeyedUniqueIndex keyed && keyed.yieldsInOrder(query, orderBy);
          return matchDocuments(query, index.getPositions(query), ordered ? null : orderBy, skip, limit, batchSize, fieldSelector);
        }
      }
    }
    return super.queryDocuments(query, orderBy, skip, limit, batchSize, fieldSelector);
  }
}
