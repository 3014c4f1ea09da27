// Access and refresh tokens: refresh ahead of expiry, one refresh at a time (refresh tokens rotate: a
// second use of a spent one revokes the whole family), the new token handed on (to present on the socket).
// With a shared session store (tabs of one browser) the pair is shared too: a refresh runs under the
// store's lock and first re-reads the store, since another tab may have spent our refresh token already.
import { codeOf, ParleyError } from './errors.js';

/** A stored pair valid for less than this is refreshed at once when adopted inside the refresh lock. */
const ADOPT_MARGIN_MS = 10000;

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
   *   store?: {load(): object|null, save(s: object|null): void, subscribe(fn: Function): Function,
   *            lock(name: string, fn: Function): Promise<any>},  // shared with other tabs
   *   onRemoteSignOut?: (err: Error) => void,                 // another tab cleared the session
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
    this.store = opts.store ?? null;
    this.onRemoteSignOut = opts.onRemoteSignOut ?? (() => {});
    this.unsubscribe = this.store ? this.store.subscribe((saved) => this._adopt(saved)) : () => {};
  }

  get accessToken() { return this.session?.accessToken; }

  /**
   * Takes a token pair (login or refresh answer: `expiresIn` in seconds) or a saved session (with
   * `expiresAt`, ms since the epoch) and schedules the next refresh.
   */
  set(pair, { save = true } = {}) {
    const { tenant, userId, username, accessToken, refreshToken } = pair;
    const expiresAt = pair.expiresAt ?? this.clock.now() + pair.expiresIn * 1000;
    this.session = { tenant, userId, username, accessToken, refreshToken, expiresAt };
    if (save && this.store) this.store.save(this.session);
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
    const asked = this.session.refreshToken;
    const run = () => {
      // Another tab may have refreshed while we waited for the lock: its pair is the live one, ours is
      // spent. It may have reached us already (the storage event) or only be in the store.
      if (this.store && this._newer(this.store.load())) this.set(this.store.load(), { save: false });
      if (!this.session) throw new ParleyError('UNAUTHENTICATED', 'signed out');
      if (this.session.refreshToken !== asked && this.session.expiresAt - this.clock.now() > ADOPT_MARGIN_MS) return this.session;
      return this._refresh(this.session.refreshToken);
    };
    this.inFlight = (this.store ? this.store.lock('parley.refresh', run) : Promise.resolve().then(run))
      .finally(() => { this.inFlight = null; });
    return this.inFlight;
  }

  _refresh(spent) {
    return Promise.resolve()
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
      });
  }

  /** Whether a stored session is a later pair of the same user than the one held. */
  _newer(saved) {
    const s = this.session;
    return !!saved && !!s && saved.userId === s.userId && saved.tenant === s.tenant
      && saved.refreshToken !== s.refreshToken && saved.expiresAt >= s.expiresAt;
  }

  /** Another tab saved (a session: adopt it if newer) or cleared (signed out: so is this one). */
  _adopt(saved) {
    const s = this.session;
    if (!saved || (s && (saved.userId !== s.userId || saved.tenant !== s.tenant))) {
      if (!s) return;
      this.clear({ save: false });
      this.onRemoteSignOut(new ParleyError('SIGNED_OUT', saved ? 'another user signed in in another tab' : 'signed out in another tab'));
      if (saved) this.set(saved, { save: false });
      return;
    }
    if (!s || this._newer(saved)) this.set(saved, { save: false });
  }

  /** A token valid for at least `marginMs` more: refreshes first if it is not. */
  fresh(marginMs = 5000) {
    if (!this.session) return Promise.reject(new Error('UNAUTHENTICATED: not logged in'));
    if (this.session.expiresAt - this.clock.now() < marginMs) return this.refresh().then((s) => s.accessToken);
    return Promise.resolve(this.session.accessToken);
  }

  /** Forgets the tokens and stops refreshing (and, with a store, signs the other tabs out too). */
  clear({ save = true } = {}) {
    this._arm(null);
    const had = this.session !== null;
    this.session = null;
    if (had && save && this.store) this.store.save(null);
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
