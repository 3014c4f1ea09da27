// Noticing a dead connection. A socket whose network went away (Wi-Fi dropped, laptop lid closed, a
// proxy silently timing out) often stays "open" for minutes: no close comes until TCP gives up. The
// server sends a SockJS heartbeat frame every few seconds, so silence longer than a few of those means
// the socket is dead, whatever it says. Timers are the global ones, so tests can mock them.
//
// Until a socket's first heartbeat the server's interval is unknown (SockJS's default is 25 s; Parley's
// 3 s), so the first wait is at least FIRST_HEARTBEAT_MS; after it, the silence allowed is the larger of
// the timeout and 2.5 times the time the first heartbeat took, so a server with slower heartbeats than
// the timeout assumes is not taken for dead every few seconds.

export const FIRST_HEARTBEAT_MS = 30000;

/** The silence allowed once the first heartbeat came `firstAfterMs` after the socket opened. */
export const allowedSilence = (timeoutMs, firstAfterMs) => Math.max(timeoutMs, Math.ceil(firstAfterMs * 2.5));

export class Watchdog {
  /**
   * @param {number} timeoutMs silence after which `onSilence` runs; 0 (or less) disables the watchdog
   * @param {() => void} onSilence
   */
  constructor(timeoutMs, onSilence) {
    this.timeoutMs = timeoutMs;
    this.onSilence = onSilence;
    this.timer = null;
  }

  /** Something arrived: the silence starts again from now (and may last `ms`, default `timeoutMs`). */
  touch(ms = this.timeoutMs) {
    if (!(this.timeoutMs > 0)) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.onSilence();
    }, Math.max(this.timeoutMs, ms));
  }

  stop() {
    clearTimeout(this.timer);
    this.timer = null;
  }
}

/**
 * Follows the browser's `online` / `offline` events on `target` (default: `window` when there is one;
 * Node has none). Returns a function that stops following them.
 */
export function watchNetwork(target, { online, offline }) {
  const t = target ?? (typeof window !== 'undefined' ? window : undefined);
  if (!t || typeof t.addEventListener !== 'function') return () => {};
  t.addEventListener('online', online);
  t.addEventListener('offline', offline);
  return () => {
    t.removeEventListener('online', online);
    t.removeEventListener('offline', offline);
  };
}
