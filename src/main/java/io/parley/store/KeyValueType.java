package io.parley.store;

import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.wire.bson.BsonDecoder;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.h2.mvstore.DataUtils;
import org.h2.mvstore.WriteBuffer;
import org.h2.mvstore.type.BasicDataType;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Unique-index keys ({@link KeyValue}: the indexed fields' values) stored as BSON values and compared
 * without serializing them. H2's default type knows no {@code KeyValue} and compares two of them by
 * Java-serializing both, at every step of every B-tree search: the profile's top cost once every query
 * was an index lookup. Strings compare as strings; other values by BSON type, then encoding — a total
 * order in which equal values (equal encodings) compare equal, as before.
 */
final class KeyValueType extends BasicDataType<KeyValue> {

  static final KeyValueType INSTANCE = new KeyValueType();
  private static final byte SERIALIZED = 0x7E;
  private static final byte STRING = 0x02;

  private KeyValueType() {
  }

  @Override
  public int compare(KeyValue a, KeyValue b) {
    int common = Math.min(a.size(), b.size());
    for (int i = 0; i < common; i++) {
      int order = compareValues(a.get(i), b.get(i));
      if (order != 0) {
        return order;
      }
    }
    return Integer.compare(a.size(), b.size());
  }

  private static int compareValues(Object a, Object b) {
    if (a instanceof String x && b instanceof String y) {
      return x.compareTo(y);
    }
    int types = Byte.compare(type(a), type(b));
    return types != 0 ? types : Arrays.compareUnsigned(encode(a), encode(b));
  }

  /** The value's BSON type, or {@link #SERIALIZED} for what BSON cannot hold (the library's Missing marker). */
  private static byte type(Object value) {
    try {
      return BsonEncoder.determineType(value);
    } catch (RuntimeException notBson) {
      return SERIALIZED;
    }
  }

  private static byte[] encode(Object value) {
    byte type = type(value);
    if (type == SERIALIZED) {
      return serialize(value);
    }
    ByteBuf buffer = Unpooled.buffer(32);
    try {
      BsonEncoder.encodeValue(type, value, buffer);
      byte[] bytes = new byte[buffer.readableBytes()];
      buffer.readBytes(bytes);
      return bytes;
    } finally {
      buffer.release();
    }
  }

  private static byte[] serialize(Object value) {
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream(); ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Object deserialize(byte[] bytes) {
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return in.readObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void write(WriteBuffer buffer, KeyValue key) {
    buffer.putVarInt(key.size());
    for (Object value : key) {
      if (value instanceof String text) {
        writeString(buffer, text);
        continue;
      }
      byte type = type(value);
      byte[] bytes = encode(value);
      buffer.put(type).putVarInt(bytes.length).put(bytes);
    }
  }

  /**
   * A string as {@link BsonEncoder} would encode it (int32 length with the terminator, UTF-8, 0), without
   * its buffer: most keys are strings, and every commit writes every key of every page it touches.
   */
  private static void writeString(WriteBuffer buffer, String text) {
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    buffer.put(STRING).putVarInt(utf8.length + 5)
      .putInt(Integer.reverseBytes(utf8.length + 1)).put(utf8).put((byte) 0);
  }

  @Override
  public KeyValue read(ByteBuffer buffer) {
    int size = readVarInt(buffer);
    List<Object> values = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      byte type = buffer.get();
      byte[] bytes = new byte[readVarInt(buffer)];
      buffer.get(bytes);
      values.add(type == SERIALIZED ? deserialize(bytes) : BsonDecoder.decodeValue(type, Unpooled.wrappedBuffer(bytes)));
    }
    return new KeyValue(values);
  }

  private static int readVarInt(ByteBuffer buffer) {
    return DataUtils.readVarInt(buffer);
  }

  @Override
  public int getMemory(KeyValue key) {
    int size = 32;
    for (Object value : key) {
      size += value instanceof String text ? 40 + text.length() : 24;
    }
    return size;
  }

  @Override
  public KeyValue[] createStorage(int size) {
    return new KeyValue[size];
  }
}
