package io.parley.attachments;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

import java.util.ArrayList;
import java.util.List;

/**
 * Removes attachments whole: the stored file and preview first, the record last, so a removal cut short
 * leaves a record that a later removal (again, or the sweep) still finds and finishes.
 */
final class Discards {

  private final AttachmentStore store;
  private final FileStore files;

  Discards(AttachmentStore store, FileStore files) {
    this.store = store;
    this.files = files;
  }

  /** Removes each of {@code tenant}'s attachments named; others' and missing ones are left alone. */
  Future<Void> discard(String tenant, List<String> attachmentIds) {
    Future<Void> chain = Future.succeededFuture();
    for (String id : attachmentIds) {
      chain = chain.compose(v -> store.find(id)).compose(record -> record == null || !tenant.equals(record.getString("tenant"))
        ? Future.succeededFuture() : remove(record));
    }
    return chain;
  }

  Future<Void> remove(JsonObject record) {
    List<FileStore.Stored> stored = new ArrayList<>();
    for (String field : new String[] {"file", "preview"}) {
      FileStore.Stored file = FileStore.Stored.fromJson(record.getJsonObject(field));
      if (file != null) {
        stored.add(file);
      }
    }
    return removeFiles(stored).compose(v -> store.remove(record.getString("_id")));
  }

  /** Removes stored files (or what a cut-short write left of them); again changes nothing. */
  Future<Void> removeFiles(List<FileStore.Stored> stored) {
    Future<Void> chain = Future.succeededFuture();
    for (FileStore.Stored file : stored) {
      chain = chain.compose(v -> files.delete(file));
    }
    return chain;
  }
}
