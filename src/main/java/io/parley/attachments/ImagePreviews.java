package io.parley.attachments;

import io.parley.attachments.api.AttachmentError;
import io.parley.common.Failure;

import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Set;

/**
 * Dimensions and a preview of the raster images the JDK reads (PNG, JPEG, GIF, BMP). The size is read
 * from the header first, and an image over the pixel bound is refused before a pixel is decoded (a
 * 50,000 × 50,000 PNG of a few KB would need 10 GB); the rest is decoded subsampled, so memory follows
 * the preview, not the image. Blocking: callers run it on a worker.
 */
final class ImagePreviews {

  private static final Set<String> READABLE = Set.of("image/png", "image/jpeg", "image/gif", "image/bmp");

  /** An image's size and, when it could be decoded, its preview written to {@code thumbnail}'s path. */
  record Preview(int width, int height, String thumbnailType) {
  }

  private ImagePreviews() {
  }

  static boolean readable(String type) {
    return READABLE.contains(type);
  }

  static Preview of(Path image, Path thumbnail, int maxSide, long maxPixels) {
    try (ImageInputStream in = ImageIO.createImageInputStream(image.toFile())) {
      Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
      if (readers == null || !readers.hasNext()) {
        throw new Failure(AttachmentError.UNSUPPORTED_FILE_TYPE, "the image cannot be read");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int width = reader.getWidth(0);
        int height = reader.getHeight(0);
        if ((long) width * height > maxPixels) {
          throw new Failure(AttachmentError.IMAGE_TOO_LARGE, "the image is " + width + " × " + height
            + " pixels; at most " + maxPixels + " pixels are taken");
        }
        return new Preview(width, height, thumbnail(reader, width, height, thumbnail, maxSide));
      } finally {
        reader.dispose();
      }
    } catch (IOException e) {
      throw new Failure(AttachmentError.UNSUPPORTED_FILE_TYPE, "the image cannot be read");
    }
  }

  /** The preview's type, or null when the header was fine but the pixels could not be decoded (e.g. a CMYK JPEG). */
  private static String thumbnail(ImageReader reader, int width, int height, Path out, int maxSide) {
    try {
      ImageReadParam param = reader.getDefaultReadParam();
      int step = Math.max(1, Math.max(width, height) / (2 * maxSide));
      param.setSourceSubsampling(step, step, 0, 0);
      BufferedImage decoded = reader.read(0, param);
      double scale = Math.min(1.0, (double) maxSide / Math.max(decoded.getWidth(), decoded.getHeight()));
      int w = Math.max(1, (int) Math.round(decoded.getWidth() * scale));
      int h = Math.max(1, (int) Math.round(decoded.getHeight() * scale));
      boolean alpha = decoded.getColorModel().hasAlpha();
      BufferedImage small = new BufferedImage(w, h, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
      Graphics2D g = small.createGraphics();
      try {
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(decoded, 0, 0, w, h, null);
      } finally {
        g.dispose();
      }
      String format = alpha ? "png" : "jpeg";
      return ImageIO.write(small, format, out.toFile()) ? "image/" + format : null;
    } catch (IOException | RuntimeException undecodable) {
      return null;
    }
  }
}
