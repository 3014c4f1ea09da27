package io.parley.store;

import de.bwaldvogel.mongo.bson.BinData;
import de.bwaldvogel.mongo.bson.Document;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collection;
import java.util.Map;

/**
 * Stored documents as BSON (the library's own encoder, as on the wire) instead of H2's default Java
 * serialization, which profiled as the largest cost of every commit and of the file's size.
 */
final class BsonDocumentType extends BasicDataType<Document> {

  static final BsonDocumentType INSTANCE = new BsonDocumentType();

  private BsonDocumentType() {
  }

  @Override
  public void write(WriteBuffer buffer, Document document) {
    ByteBuf encoded = Unpooled.buffer(256);
    try {
      BsonEncoder.encodeDocument(document, encoded);
      buffer.put(encoded.nioBuffer());
    } finally {
      encoded.release();
    }
  }

  @Override
  public Document read(ByteBuffer buffer) {
    int length = buffer.duplicate().order(ByteOrder.LITTLE_ENDIAN).getInt();
    ByteBuf bson = Unpooled.wrappedBuffer(buffer.slice().limit(length));
    buffer.position(buffer.position() + length);
    return BsonDecoder.decodeBson(bson);
  }

  /** An estimate (MVStore sizes pages and caches by it): no encoding, just a walk over the values. */
  @Override
  public int getMemory(Document document) {
    return 48 + estimate(document);
  }

  private static int estimate(Object value) {
    if (value instanceof BinData binary) {
      // A GridFS chunk's bytes: counted, or the page cache would take a thousand 1 MiB chunks for 300 bytes each.
      return 24 + binary.getData().length;
    }
    if (value instanceof String text) {
      return 40 + text.length();
    }
    if (value instanceof Map<?, ?> map) {
      int size = 32;
      for (Map.Entry<?, ?> entry : map.entrySet()) {
        size += 40 + String.valueOf(entry.getKey()).length() + estimate(entry.getValue());
      }
      return size;
    }
    if (value instanceof Collection<?> items) {
      int size = 24;
      for (Object item : items) {
        size += 8 + estimate(item);
      }
      return size;
    }
    return 24;
  }

  @Override
  public Document[] createStorage(int size) {
    return new Document[size];
  }
}
