package io.parley.testing;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Files for upload tests, made on the spot: real images, documents and archives, disguised executables,
 * a decompression bomb, the EICAR test string (alone and zipped), and large files written as a stream.
 */
public final class TestFiles {

  /** The EICAR anti-virus test file: harmless, and every scanner's signature set (and ours, see ClamdProcess) knows it. */
  public static final String EICAR = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

  private final Path dir;

  public TestFiles(Path dir) {
    this.dir = dir;
  }

  public Path png(String name, int width, int height) throws IOException {
    return image(name, width, height, "png", true);
  }

  public Path jpeg(String name, int width, int height) throws IOException {
    return image(name, width, height, "jpeg", false);
  }

  private Path image(String name, int width, int height, String format, boolean alpha) throws IOException {
    BufferedImage image = new BufferedImage(width, height, alpha ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(Color.ORANGE);
    g.fillRect(0, 0, width, height);
    g.setColor(Color.BLUE);
    g.fillOval(width / 4, height / 4, width / 2, height / 2);
    g.dispose();
    Path file = dir.resolve(name);
    ImageIO.write(image, format, file.toFile());
    return file;
  }

  /**
   * A PNG whose header says {@code width × height} with a few KB of data: decoding it would need
   * width × height × 4 bytes (10 GB for 50,000²). Only the header is valid, which is all a size check reads.
   */
  public Path pngBomb(String name, int width, int height) throws IOException {
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    png.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    byte[] header = new byte[13];
    putInt(header, 0, width);
    putInt(header, 4, height);
    header[8] = 8;  // bit depth
    header[9] = 2;  // RGB
    chunk(png, "IHDR", header);
    // The first rows, deflated: zeros compress ~1000:1.
    Deflater deflater = new Deflater(9);
    deflater.setInput(new byte[1_000_000]);
    deflater.finish();
    byte[] compressed = new byte[16 * 1024];
    int length = deflater.deflate(compressed);
    byte[] data = new byte[length];
    System.arraycopy(compressed, 0, data, 0, length);
    chunk(png, "IDAT", data);
    chunk(png, "IEND", new byte[0]);
    return write(name, png.toByteArray());
  }

  private static void chunk(ByteArrayOutputStream png, String type, byte[] data) {
    byte[] length = new byte[4];
    putInt(length, 0, data.length);
    png.writeBytes(length);
    byte[] typed = new byte[4 + data.length];
    System.arraycopy(type.getBytes(StandardCharsets.US_ASCII), 0, typed, 0, 4);
    System.arraycopy(data, 0, typed, 4, data.length);
    png.writeBytes(typed);
    CRC32 crc = new CRC32();
    crc.update(typed);
    byte[] sum = new byte[4];
    putInt(sum, 0, (int) crc.getValue());
    png.writeBytes(sum);
  }

  private static void putInt(byte[] into, int at, int value) {
    into[at] = (byte) (value >>> 24);
    into[at + 1] = (byte) (value >>> 16);
    into[at + 2] = (byte) (value >>> 8);
    into[at + 3] = (byte) value;
  }

  /** A Windows executable's first bytes (the MZ header and its DOS stub), under whatever name. */
  public Path executable(String name) throws IOException {
    byte[] exe = new byte[1024];
    exe[0] = 'M';
    exe[1] = 'Z';
    exe[0x3c] = (byte) 0x80;  // where the PE header is
    byte[] stub = "This program cannot be run in DOS mode.".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(stub, 0, exe, 0x4e, stub.length);
    exe[0x80] = 'P';
    exe[0x81] = 'E';
    return write(name, exe);
  }

  public Path text(String name, String content) throws IOException {
    return write(name, content.getBytes(StandardCharsets.UTF_8));
  }

  public Path pdf(String name) throws IOException {
    return text(name, "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n"
      + "trailer << /Root 1 0 R >>\n%%EOF\n");
  }

  /** A zip whose entries are these names with these contents. */
  public Path zip(String name, String... namesAndContents) throws IOException {
    Path file = dir.resolve(name);
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(file))) {
      for (int i = 0; i < namesAndContents.length; i += 2) {
        zip.putNextEntry(new ZipEntry(namesAndContents[i]));
        zip.write(namesAndContents[i + 1].getBytes(StandardCharsets.UTF_8));
        zip.closeEntry();
      }
    }
    return file;
  }

  /** The smallest Word document: an OOXML zip whose first entry is [Content_Types].xml. */
  public Path docx(String name) throws IOException {
    return zip(name,
      "[Content_Types].xml", "<?xml version=\"1.0\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
        + "<Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>",
      "word/document.xml", "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body/></w:document>");
  }

  /** {@code bytes} of printable text, written in blocks: a file of any size without holding it in memory. */
  public Path largeText(String name, long bytes) throws IOException {
    Path file = dir.resolve(name);
    Random random = new Random(42);
    byte[] block = new byte[1024 * 1024];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long written = 0; written < bytes; written += block.length) {
        for (int i = 0; i < block.length; i++) {
          block[i] = (byte) (i % 80 == 79 ? '\n' : 'a' + random.nextInt(26));
        }
        out.write(block, 0, (int) Math.min(block.length, bytes - written));
      }
    }
    return file;
  }

  public Path write(String name, byte[] content) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, content);
    return file;
  }

  public static String sha256(Path file) throws Exception {
    MessageDigest digest = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(file)) {
      byte[] buffer = new byte[1 << 16];
      for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
        digest.update(buffer, 0, read);
      }
    }
    return HexFormat.of().formatHex(digest.digest());
  }
}
