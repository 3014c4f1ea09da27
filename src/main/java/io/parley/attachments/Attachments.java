package io.parley.attachments;

import io.parley.attachments.api.Attachment;
import io.parley.attachments.api.AttachmentError;
import io.parley.common.Caller;
import io.parley.common.Failure;
import io.parley.config.ParleyConfig;
import io.parley.rooms.api.RoomsClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.mongo.MongoClient;

import java.nio.file.Path;
import java.time.Clock;

/**
 * Attachments as the gateway uses them, in its own process: bytes stream between the HTTP request and
 * the store on the node that took the request, never over the event bus. Admission (membership, the
 * day's allowance) is asked before the body is read; the upload's checks and storage are
 * {@link Uploads}'; who may read is {@link AttachmentsService}'.
 */
public final class Attachments {

  private final AttachmentSettings settings;
  private final ClamdScanner scanner;
  private final FileStore files;
  private final RoomsClient rooms;
  private final DailyQuota quota;
  private final Uploads uploads;
  private final AttachmentsService service;
  private final UnclaimedSweep sweep;

  private Attachments(AttachmentSettings settings, ClamdScanner scanner, FileStore files, RoomsClient rooms,
                      DailyQuota quota, Uploads uploads, AttachmentsService service, UnclaimedSweep sweep) {
    this.settings = settings;
    this.scanner = scanner;
    this.files = files;
    this.rooms = rooms;
    this.quota = quota;
    this.uploads = uploads;
    this.service = service;
    this.sweep = sweep;
  }

  /** Ready once the GridFS bucket is open. */
  public static Future<Attachments> create(Vertx vertx, ParleyConfig config, MongoClient mongo, RoomsClient rooms) {
    AttachmentSettings settings = AttachmentSettings.of(config);
    Clock clock = Clock.systemUTC();
    ClamdScanner scanner = settings.scanning() ? new ClamdScanner(vertx, settings.clamd(), settings.scanTimeoutMs()) : null;
    AttachmentStore store = new AttachmentStore(mongo);
    DailyQuota quota = new DailyQuota(mongo, settings.bytesPerUserPerDay(), clock);
    return new FileStore(vertx, mongo).open().map(files -> {
      Discards discards = new Discards(store, files);
      UnclaimedSweep sweep = new UnclaimedSweep(mongo, store, discards, settings.unclaimedTtlMs());
      Uploads uploads = new Uploads(vertx, settings, scanner, files, store, discards, sweep, quota, clock);
      AttachmentsService service = new AttachmentsService(store, discards, new Membership(rooms), settings.filesPerMessage());
      return new Attachments(settings, scanner, files, rooms, quota, uploads, service, sweep);
    });
  }

  /** Where the HTTP layer streams uploads to, and the most bytes one file may have. */
  public Path uploadsDir() {
    return settings.uploadsDir();
  }

  public long maxFileBytes() {
    return settings.maxFileBytes();
  }

  /** Before a byte of the body is read: the caller is a member (rooms' refusals as for a send) with allowance left. */
  public Future<Void> admit(Caller caller, String conversationId) {
    return rooms.membership(caller, conversationId).compose(member -> quota.admit(caller));
  }

  /** Checks and stores the file the HTTP layer received; refusals keep nothing. */
  public Future<Attachment> accept(Caller caller, String conversationId, Path file, String name, long size) {
    return uploads.accept(caller, conversationId, new Uploads.Received(file, name, size));
  }

  /** The attachment (or, with {@code preview}, its thumbnail) if the caller may read it; ATTACHMENT_NOT_FOUND otherwise. */
  public Future<Download> download(Caller caller, String attachmentId, boolean preview) {
    return service.readable(caller, attachmentId).compose(record -> {
      String etag = '"' + record.getString("sha256") + (preview ? "-preview" : "") + '"';
      if (!preview) {
        String type = record.getString("contentType");
        return Future.succeededFuture(new Download(files, FileStore.Stored.fromJson(record.getJsonObject("file")),
          record.getString("name"), type, etag, ContentTypes.inline(type)));
      }
      JsonObject thumbnail = record.getJsonObject("preview");
      if (thumbnail == null) {
        return Failure.fail(AttachmentError.ATTACHMENT_NOT_FOUND, "attachment " + attachmentId + " has no preview");
      }
      return Future.succeededFuture(new Download(files, FileStore.Stored.fromJson(thumbnail), record.getString("name"),
        thumbnail.getString("contentType"), etag, true));
    });
  }

  /** For the health page: scanning off, or clamd answering PING. */
  public Future<JsonObject> scanner() {
    if (scanner == null) {
      return Future.succeededFuture(new JsonObject().put("scanning", "off"));
    }
    return scanner.ping().map(v -> new JsonObject().put("scanning", "on").put("clamd", scanner.describe()));
  }

  /** The rules the verticle serves on the bus (claims, discards). */
  AttachmentsService service() {
    return service;
  }

  UnclaimedSweep sweep() {
    return sweep;
  }

  AttachmentSettings settings() {
    return settings;
  }

  public Future<Void> close() {
    return scanner == null ? Future.succeededFuture() : scanner.close();
  }
}
