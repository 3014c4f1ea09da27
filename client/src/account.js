// The account side of ParleyClient: REST, tokens (shared across tabs through a session store) and the
// bytes of attachments. ParleyClient extends it with the socket and the delivery rules; it is split out
// only to keep each file readable.
import { TokenManager } from './tokens.js';
import { ParleyError } from './errors.js';
import { uploadFile, downloadFile } from './uploads.js';

export class AccountClient extends EventTarget {
  /**
   * @param {{baseUrl?: string, fetch?: typeof fetch, session?: object, sessionStore?: object,
   *   XMLHttpRequest?: any}} [opts]
   */
  constructor(opts = {}) {
    super();
    this.baseUrl = (opts.baseUrl ?? '').replace(/\/$/, '');
    this.fetch = opts.fetch ?? ((...a) => globalThis.fetch(...a));
    this.opts = opts;
    this.tokens = new TokenManager({
      refresh: (refreshToken) => this.api('POST', '/auth/refresh', { refreshToken }),
      store: opts.sessionStore,
      onChange: (session) => this._sessionChanged(session),
      onExpired: (err) => this._signedOut(err),
      onRemoteSignOut: (err) => this._signedOut(err),
    });
    // A session given, else the one saved (by this tab before a reload, or by another tab).
    const saved = opts.session ?? (opts.sessionStore && opts.sessionStore.load());
    if (saved) this.tokens.set(saved, { save: !!opts.session });
  }

  get session() { return this.tokens.session; }

  /** New tokens (or none): ParleyClient presents them on the socket too. */
  _sessionChanged(session) { this._emit('session', { session }); }

  /** The session ended without logout() here (refresh refused, another tab): ParleyClient disconnects too. */
  _signedOut(reason) { this._emit('signedout', { reason }); }

  disconnect() {}

  // ---- REST ----------------------------------------------------------------------------------

  async api(method, path, body, auth = false) {
    const headers = { 'content-type': 'application/json' };
    if (auth) headers.authorization = `Bearer ${await this.tokens.fresh()}`;
    let res;
    try {
      res = await this.fetch(`${this.baseUrl}/api${path}`, { method, headers, body: body && JSON.stringify(body) });
    } catch (err) {
      throw new ParleyError('NETWORK', 'the server cannot be reached');
    }
    const data = res.status === 204 ? {} : await res.json().catch(() => ({}));
    if (!res.ok) {
      throw data.error ? new ParleyError(data.error.code, data.error.message, { status: res.status })
        : new ParleyError(`HTTP_${res.status}`, 'request failed', { status: res.status });
    }
    return data;
  }

  register(creds) { return this.api('POST', '/auth/register', creds); }

  async login(creds) { return this.tokens.set(await this.api('POST', '/auth/login', creds)); }

  async logout() {
    const s = this.session;
    this.disconnect();
    this.tokens.clear();
    if (s) await this.api('POST', '/auth/logout', { refreshToken: s.refreshToken }).catch(() => {});
    this._emit('signedout', { reason: null });
  }

  // ---- attachments ---------------------------------------------------------------------------

  /**
   * Uploads a file to a conversation; resolves with the attachment record to pass to send().
   * @param {{onProgress?: Function, signal?: AbortSignal, name?: string, contentType?: string}} [o]
   */
  async upload(conversationId, file, o = {}) {
    return uploadFile({
      ...o,
      url: `${this.baseUrl}/api/conversations/${encodeURIComponent(conversationId)}/attachments`,
      token: await this.tokens.fresh(),
      file,
      fetch: this.fetch,
      XMLHttpRequest: this.opts.XMLHttpRequest,
    });
  }

  /** An attachment's bytes (`thumbnail: true`: its preview) as a Blob, fetched with the token. */
  async fetchAttachment(attachmentId, { thumbnail = false, signal } = {}) {
    const path = `/api/attachments/${encodeURIComponent(attachmentId)}${thumbnail ? '/thumbnail' : ''}`;
    return downloadFile({ url: `${this.baseUrl}${path}`, token: await this.tokens.fresh(), fetch: this.fetch, signal });
  }

  _emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
}
