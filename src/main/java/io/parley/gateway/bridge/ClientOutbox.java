package io.parley.gateway.bridge;

import io.micrometer.core.instrument.Counter;
import io.parley.common.Meters;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What a connection writes to its client, bounded: the bytes handed to the socket and not yet written
 * out are counted (each write's future says when), because {@code writeQueueFull()} of a SockJS session
 * over WebSocket does not see the WebSocket's own queue. Not thread-safe: the connection's context only.
 */
final class ClientOutbox {

  private static final long CLOSE_GRACE_MS = 1_000;
  /** Bytes queued to this JVM's clients ({@code parley_bridge_queued_bytes}, registered by {@link BridgeServer}). */
  static final AtomicLong QUEUED = new AtomicLong();

  private final Vertx vertx;
  private final ClientSocket socket;
  private final int queuedBytesMax;
  private final Runnable gone;
  private long queuedBytes;
  /** Set once the connection is closed: what it still had queued no longer counts (those writes may never complete). */
  private boolean released;

  /** @param gone called when a write finds the client gone */
  ClientOutbox(Vertx vertx, ClientSocket socket, int queuedBytesMax, Runnable gone) {
    this.vertx = vertx;
    this.socket = socket;
    this.queuedBytesMax = queuedBytesMax;
    this.gone = gone;
  }

  /** Connections closed for not reading their events ({@code parley_bridge_shed_total}); {@link BridgeServer} registers it at start, so it reads 0 rather than absent. */
  static Counter shed() {
    return Counter.builder("parley_bridge_shed").description("bridge connections closed for not reading their events (4001)")
      .register(Meters.registry());
  }

  /**
   * Writes the frame unless that would put more than the bound in the queue; false then (nothing written).
   * A frame finds room whatever its size when nothing is queued: one large answer (a sync of 200 long
   * messages) goes to a client that reads, and only a backlog behind it counts as too slow.
   */
  boolean offer(Buffer frame) {
    int size = frame.length();
    if (queuedBytes > 0 && queuedBytes + size > queuedBytesMax) {
      shed().increment();
      return false;
    }
    queuedBytes += size;
    QUEUED.addAndGet(size);
    send(frame).onComplete(done -> {
      if (!released) {
        queuedBytes -= size;
        QUEUED.addAndGet(-size);
      }
    });
    return true;
  }

  /** The connection is closed: its queued bytes leave the gauge now, not when writes a closed session drops complete (never). */
  void release() {
    if (!released) {
      released = true;
      QUEUED.addAndGet(-queuedBytes);
      queuedBytes = 0;
    }
  }

  /** Writes without the bound (protocol errors, the close notice). */
  Future<Void> send(Buffer frame) {
    try {
      return socket.write(frame);
    } catch (IllegalStateException closed) {
      // Some transports throw once the client is gone: writing to a closed client does nothing.
      gone.run();
      return Future.failedFuture(closed);
    }
  }

  /**
   * Closes with {@code code}, said first in a {@code close} frame: SockJS sessions close with 3000
   * whatever code is asked for, so only the raw WebSocket would carry it otherwise. The frame is not
   * held to the bound (a too-slow client gets it after its backlog). A SockJS session drops frames it
   * has not handed to its transport when it closes, so the socket is closed once the frame is written,
   * or after a grace if the client is not reading.
   */
  void close(int code, String reason) {
    boolean[] done = {false};
    Runnable closeSocket = () -> {
      if (!done[0]) {
        done[0] = true;
        socket.close(code, reason);
      }
    };
    send(Frames.close(code, reason)).onComplete(written -> closeSocket.run());
    vertx.setTimer(CLOSE_GRACE_MS, t -> closeSocket.run());
  }
}
