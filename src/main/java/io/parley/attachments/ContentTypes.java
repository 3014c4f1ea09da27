package io.parley.attachments;

import org.apache.tika.detect.Detector;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MimeTypes;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Set;

/**
 * What an upload is, decided from its first bytes by Tika's magic-number detector. The file's name is a
 * hint only within what the bytes say (a zip whose entries make it a .docx, text that is CSV): an
 * executable named {@code .png} is still an executable, and a type outside the allow-list is refused.
 */
final class ContentTypes {

  /** Enough for every magic Tika knows (tar's is at 257, Office's zip entries within the first local headers). */
  static final int HEAD_BYTES = 64 * 1024;

  private final Detector detector = MimeTypes.getDefaultMimeTypes();
  private final Set<String> allowed;

  ContentTypes(Set<String> allowed) {
    this.allowed = allowed;
  }

  /** The detected media type without parameters, e.g. {@code image/png}; {@code application/octet-stream} when unknown. */
  String detect(byte[] head, String name) {
    Metadata metadata = new Metadata();
    metadata.set(TikaCoreProperties.RESOURCE_NAME_KEY, name);
    try {
      MediaType type = detector.detect(new ByteArrayInputStream(head), metadata);
      return type.getBaseType().toString();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen on an in-memory stream
    }
  }

  boolean allowed(String type) {
    return allowed.contains(type);
  }

  /** Types browsers may show in place: raster images whose size was checked before anything decoded them. */
  static boolean inline(String type) {
    return ImagePreviews.readable(type);
  }
}
