package io.parley.live;

import io.parley.fanout.EventFanout;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Presence changes come in bursts (a connect storm, a sweep of a dead instance's users, every user put back
 * after Redis restarted), each to several conversations: published all at once they would overflow the
 * fan-out's publisher, which messages share. Here at most {@link #IN_FLIGHT} publishes are out at a time and
 * the rest wait, at most {@link #WAITING} (beyond that the oldest waiting presence change is dropped: a
 * client re-asks presence on resync). Used from one event loop only.
 */
final class PacedPublisher {

  private static final Logger LOG = LoggerFactory.getLogger(PacedPublisher.class);
  static final int IN_FLIGHT = 32;
  static final int WAITING = 50_000;

  private record Pending(String channel, JsonObject event) {
  }

  private final EventFanout fanout;
  private final Deque<Pending> waiting = new ArrayDeque<>();
  private int inFlight;
  private long dropped;

  PacedPublisher(EventFanout fanout) {
    this.fanout = fanout;
  }

  void publish(String channel, JsonObject event) {
    if (waiting.size() >= WAITING) {
      waiting.pollFirst();
      if (dropped++ % 10_000 == 0) {
        LOG.warn("presence announcements falling behind: {} dropped so far", dropped);
      }
    }
    waiting.addLast(new Pending(channel, event));
    next();
  }

  private void next() {
    while (inFlight < IN_FLIGHT && !waiting.isEmpty()) {
      Pending pending = waiting.pollFirst();
      inFlight++;
      fanout.publish(pending.channel(), pending.event()).onComplete(ar -> {
        inFlight--;
        next();
      });
    }
  }
}
