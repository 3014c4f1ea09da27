package io.parley.attachments;

import io.parley.config.ParleyConfig;
import io.vertx.core.json.JsonObject;

import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code attachments.*}: where clamd listens (empty: no scanning), how long a scan may stay silent, the
 * sizes (per file, files per message, bytes per user per day), which types are taken (decided from the
 * bytes), the preview's size and the largest image decoded, and how long an upload waits for its message.
 */
public record AttachmentSettings(String clamd, long scanTimeoutMs, long maxFileBytes, int filesPerMessage,
                                 long bytesPerUserPerDay, long unclaimedTtlMs, int thumbnailPx, long imageMaxPixels,
                                 Path uploadsDir, Set<String> allowedTypes) {

  public static AttachmentSettings of(ParleyConfig config) {
    JsonObject a = config.attachments();
    String dir = a.getString("uploads_dir");
    return new AttachmentSettings(a.getString("clamd"), a.getLong("scan_timeout_ms"), a.getLong("max_file_bytes"),
      a.getInteger("files_per_message"), a.getLong("bytes_per_user_per_day"), a.getLong("unclaimed_ttl_seconds") * 1000,
      a.getInteger("thumbnail_px"), a.getLong("image_max_pixels"),
      dir.isBlank() ? Path.of(System.getProperty("java.io.tmpdir"), "parley-uploads") : Path.of(dir),
      a.getJsonArray("allowed_types").stream().map(String::valueOf).collect(Collectors.toUnmodifiableSet()));
  }

  public boolean scanning() {
    return !clamd.isBlank();
  }
}
