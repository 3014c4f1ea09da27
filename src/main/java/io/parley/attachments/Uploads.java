package io.parley.attachments;

import io.parley.attachments.api.Attachment;
import io.parley.attachments.api.AttachmentError;
import io.parley.common.Caller;
import io.parley.common.CommonError;
import io.parley.common.Failure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * An upload, from the file the HTTP layer streamed to disk to the stored attachment: the day's allowance
 * taken, the type decided from the bytes and checked against the allow-list, the bytes hashed and (when
 * clamd is configured) scanned — failing closed — then an image's size checked before it is decoded and
 * its preview made, then the file and preview streamed into GridFS and the record written. Any refusal
 * keeps nothing and gives the allowance back. The checks read the file from disk: memory stays a few
 * buffers whatever its size.
 */
final class Uploads {

  private static final Logger LOG = LoggerFactory.getLogger(Uploads.class);
  private static final int HASH_BUFFER = 64 * 1024;

  /** What the HTTP layer received: where it put the bytes, the name the client gave, how many bytes. */
  record Received(Path file, String name, long size) {
  }

  private final Vertx vertx;
  private final AttachmentSettings settings;
  private final ContentTypes types;
  private final ClamdScanner scanner;
  private final FileStore files;
  private final AttachmentStore store;
  private final Discards discards;
  private final UnclaimedSweep sweep;
  private final DailyQuota quota;
  private final Clock clock;

  Uploads(Vertx vertx, AttachmentSettings settings, ClamdScanner scanner, FileStore files, AttachmentStore store,
          Discards discards, UnclaimedSweep sweep, DailyQuota quota, Clock clock) {
    this.vertx = vertx;
    this.settings = settings;
    this.types = new ContentTypes(settings.allowedTypes());
    this.scanner = scanner;
    this.files = files;
    this.store = store;
    this.discards = discards;
    this.sweep = sweep;
    this.quota = quota;
    this.clock = clock;
  }

  Future<Attachment> accept(Caller caller, String conversationId, Received upload) {
    if (upload.size() == 0) {
      return Failure.fail(CommonError.VALIDATION_FAILED, "the file is empty");
    }
    if (upload.size() > settings.maxFileBytes()) {
      return Failure.fail(CommonError.PAYLOAD_TOO_LARGE, "a file may have at most " + settings.maxFileBytes() + " bytes");
    }
    String name = FileNames.clean(upload.name());
    return quota.take(caller, upload.size())
      .compose(v -> inspect(caller, conversationId, upload, name)
        .recover(refused -> quota.giveBack(caller, upload.size()).transform(x -> Future.failedFuture(refused))));
  }

  private Future<Attachment> inspect(Caller caller, String conversationId, Received upload, String name) {
    return vertx.executeBlocking(() -> types.detect(head(upload.file()), name), false).compose(type -> {
      if (!types.allowed(type)) {
        return Failure.fail(AttachmentError.UNSUPPORTED_FILE_TYPE, "the file is " + type + " (decided from its bytes), which is not taken here");
      }
      Future<String> sha256 = vertx.executeBlocking(() -> sha256(upload.file()), false);
      Future<String> verdict = scan(caller, upload.file());
      return Future.all(sha256, verdict).compose(both -> {
        Path thumbnail = upload.file().resolveSibling(upload.file().getFileName() + ".preview");
        Future<ImagePreviews.Preview> preview = !ImagePreviews.readable(type) ? Future.succeededFuture()
          : vertx.executeBlocking(() -> ImagePreviews.of(upload.file(), thumbnail, settings.thumbnailPx(), settings.imageMaxPixels()), false);
        JsonObject record = new JsonObject().put("_id", UUID.randomUUID().toString()).put("tenant", caller.tenant())
          .put("conversationId", conversationId).put("uploaderId", caller.userId()).put("name", name)
          .put("size", upload.size()).put("contentType", type).put("sha256", sha256.result())
          .put("scan", verdict.result()).put("createdAt", clock.millis());
        return preview.compose(image -> store(record, upload, image, thumbnail))
          .onComplete(done -> vertx.fileSystem().delete(thumbnail.toString()).otherwiseEmpty());
      });
    });
  }

  /** "clean" when clamd found nothing, "unscanned" when scanning is off; FILE_INFECTED or SCAN_UNAVAILABLE otherwise. */
  private Future<String> scan(Caller caller, Path file) {
    if (scanner == null) {
      return Future.succeededFuture("unscanned");
    }
    return scanner.scan(file).compose(verdict -> {
      if (!verdict.infected()) {
        return Future.succeededFuture("clean");
      }
      LOG.atWarn().addKeyValue("tenant", caller.tenant()).addKeyValue("userId", caller.userId())
        .log("upload refused: clamd found {}", verdict.signature());
      return Failure.fail(AttachmentError.FILE_INFECTED, "the file contains " + verdict.signature() + "; it was not stored");
    });
  }

  private Future<Attachment> store(JsonObject record, Received upload, ImagePreviews.Preview image, Path thumbnail) {
    JsonObject metadata = new JsonObject().put("attachmentId", record.getString("_id")).put("tenant", record.getString("tenant"))
      .put("conversationId", record.getString("conversationId")).put("uploaderId", record.getString("uploaderId"))
      .put("contentType", record.getString("contentType")).put("scan", record.getString("scan"));
    if (image != null) {
      record.put("image", new JsonObject().put("width", image.width()).put("height", image.height()));
    }
    boolean withPreview = image != null && image.thumbnailType() != null;
    Future<Long> previewBytes = withPreview ? vertx.fileSystem().props(thumbnail.toString()).map(props -> props.size())
      : Future.succeededFuture(0L);
    return previewBytes.compose(bytes -> {
      // Planned, then listed for the sweep, then written: a node dying mid-way leaves files the sweep finds.
      FileStore.Stored file = FileStore.plan(upload.size());
      FileStore.Stored preview = withPreview ? FileStore.plan(bytes) : null;
      record.put("file", file.toJson());
      if (preview != null) {
        record.put("preview", preview.toJson().put("contentType", image.thumbnailType()));
      }
      return sweep.pending(record.getString("_id"), record.getLong("createdAt"), preview == null ? List.of(file) : List.of(file, preview))
        .compose(v -> files.put(file, upload.file(), record.getString("name"), metadata))
        .compose(v -> preview == null ? Future.succeededFuture() : files.put(preview, thumbnail, record.getString("name") + ".preview",
          metadata.copy().put("preview", true).put("contentType", image.thumbnailType())))
        .compose(v -> store.insert(record))
        // Not recorded: nothing may keep the bytes.
        .recover(err -> discards.remove(record).transform(x -> Future.failedFuture(err)));
    }).map(v -> AttachmentStore.summary(record));
  }

  private static byte[] head(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return in.readNBytes(ContentTypes.HEAD_BYTES);
    }
  }

  private static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[HASH_BUFFER];
      for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
        digest.update(buffer, 0, read);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
