package io.parley.store;

import de.bwaldvogel.mongo.backend.KeyValue;
import de.bwaldvogel.mongo.backend.Missing;
import de.bwaldvogel.mongo.wire.bson.BsonEncoder;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.h2.mvstore.WriteBuffer;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Index keys written by the string fast path read back as written, in the layout BSON gives them. */
class KeyValueTypeTest {

  @Test
  void keys_round_trip_and_strings_keep_the_bson_layout() {
    for (String text : List.of("", "c1:42", "conv-ü-€-😀", "x".repeat(300))) {
      KeyValue key = new KeyValue(List.of(text, 7L, Missing.getInstance()));
      WriteBuffer buffer = new WriteBuffer(64);
      KeyValueType.INSTANCE.write(buffer, key);
      ByteBuffer written = buffer.getBuffer().flip();

      KeyValue read = KeyValueType.INSTANCE.read(written.duplicate());
      assertEquals(text, read.get(0));
      assertEquals(7L, read.get(1));
      assertEquals(0, KeyValueType.INSTANCE.compare(key, read), "the Missing marker compares equal after a round trip");

      ByteBuf bson = Unpooled.buffer();
      BsonEncoder.encodeValue((byte) 0x02, text, bson);
      byte[] expected = new byte[bson.readableBytes()];
      bson.readBytes(expected);
      ByteBuffer stored = written.duplicate();
      assertEquals(3, stored.get(), "three values");
      assertEquals(0x02, stored.get(), "BSON string type");
      int length = org.h2.mvstore.DataUtils.readVarInt(stored);
      byte[] actual = new byte[length];
      stored.get(actual);
      assertArrayEquals(expected, actual, text);
    }
  }
}
