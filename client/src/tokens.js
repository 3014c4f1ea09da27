// Access and refresh tokens: refresh ahead of expiry, one refresh at a time (refresh tokens rotate: a
// second use of a spent one revokes the whole family), the new token handed on (to present on the socket).
import { codeOf } from './errors.js';

const realClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (id) => clearTimeout(id),
};

export class TokenManager {
  /**
   * @param {{
   *   refresh: (refreshToken: string) => Promise<object>,   // POST /api/auth/refresh → token pair
   *   onChange?: (session: object|null) => void,             // new tokens (or signed out: null)
   *   onExpired?: (err: Error) => void,                       // the refresh token is refused: log in again
   *   clock?: {now(): number, setTimeout(fn: Function, ms: number): any, clearTimeout(id: any): void},
   *   retryMs?: number,                                       // after a refresh that failed transiently
   * }} opts
   */
  constructor(opts) {
    this.refreshFn = opts.refresh;
    this.onChange = opts.onChange ?? (() => {});
    this.onExpired = opts.onExpired ?? (() => {});
    this.clock = opts.clock ?? realClock;
    this.retryMs = opts.retryMs ?? 10000;
    this.session = null;
    this.timer = null;
    this.inFlight = null;
  }

  get accessToken() { return this.session?.accessToken; }

  /**
   * Takes a token pair (login or refresh answer: `expiresIn` in seconds) or a saved session (with
   * `expiresAt`, ms since the epoch) and schedules the next refresh.
   */
  set(pair) {
    const { tenant, userId, username, accessToken, refreshToken } = pair;
    const expiresAt = pair.expiresAt ?? this.clock.now() + pair.expiresIn * 1000;
    this.session = { tenant, userId, username, accessToken, refreshToken, expiresAt };
    this._schedule();
    this.onChange(this.session);
    return this.session;
  }

  /** When the next refresh is due: a minute before expiry, or a quarter of the lifetime for short ones. */
  static refreshDelay(ttlMs) {
    return Math.max(0, ttlMs - Math.min(60000, ttlMs / 4));
  }

  /** Refreshes now; concurrent callers share one request. Resolves with the new session. */
  refresh() {
    if (this.inFlight) return this.inFlight;
    if (!this.session) return Promise.reject(new Error('UNAUTHENTICATED: not logged in'));
    const spent = this.session.refreshToken;
    this.inFlight = Promise.resolve()
      .then(() => this.refreshFn(spent))
      .then((pair) => {
        // Signed out (or a new login) meanwhile: this answer is stale.
        if (!this.session || this.session.refreshToken !== spent) return this.session;
        return this.set(pair);
      }, (err) => {
        if (this.session && this.session.refreshToken === spent) {
          if (/^(REFRESH_TOKEN_|VALIDATION_FAILED|PAYLOAD_TOO_LARGE)/.test(codeOf(err))) {
            this.clear();
            this.onExpired(err);
          } else {
            this._arm(this.retryMs); // the server is unreachable: keep trying
          }
        }
        throw err;
      })
      .finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  /** A token valid for at least `marginMs` more: refreshes first if it is not. */
  fresh(marginMs = 5000) {
    if (!this.session) return Promise.reject(new Error('UNAUTHENTICATED: not logged in'));
    if (this.session.expiresAt - this.clock.now() < marginMs) return this.refresh().then((s) => s.accessToken);
    return Promise.resolve(this.session.accessToken);
  }

  /** Forgets the tokens and stops refreshing. */
  clear() {
    this._arm(null);
    const had = this.session !== null;
    this.session = null;
    if (had) this.onChange(null);
  }

  _schedule() {
    this._arm(TokenManager.refreshDelay(this.session.expiresAt - this.clock.now()));
  }

  _arm(ms) {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    if (ms === null) return;
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.refresh().catch(() => {});
    }, ms);
  }
}
