// Parley errors read "CODE: detail": the bridge's err.message, and REST's {error:{code,message}} rebuilt the same way.

/** Codes after which the outcome is unknown or nothing was done yet: the same request may be repeated. */
export const TRANSIENT_CODES = new Set([
  'OFFLINE', 'NETWORK', 'TIMEOUT', 'SERVICE_UNAVAILABLE', 'SEQUENCE_CONTENTION', 'RATE_LIMITED', 'INTERNAL',
]);

export class ParleyError extends Error {
  /**
   * @param {string} code stable code, e.g. "CONVERSATION_NOT_FOUND"
   * @param {string} detail the human part
   * @param {{failureCode?: number, status?: number}} [extra]
   */
  constructor(code, detail, extra = {}) {
    super(code ? `${code}: ${detail}` : detail);
    this.name = 'ParleyError';
    this.code = code;
    this.detail = detail;
    this.failureCode = extra.failureCode;
    this.status = extra.status;
  }
}

/** The stable code of any error shape the server or the bridge client produces ('' when none). */
export function codeOf(err) {
  if (!err) return '';
  if (err instanceof ParleyError) return err.code;
  const text = typeof err === 'string' ? err : (err.message || err.body || '');
  const m = /^([A-Z][A-Z0-9_]+):/.exec(String(text));
  return m ? m[1] : '';
}

/** Normalises a bridge `{failureCode, failureType, message}`, an Error or a string into a ParleyError. */
export function toParleyError(err) {
  if (err instanceof ParleyError) return err;
  const text = String((err && (err.message || err.body)) || err || 'unknown error');
  const code = codeOf(text);
  const detail = code ? text.slice(code.length + 1).trim() : text;
  return new ParleyError(code, detail, { failureCode: err && err.failureCode });
}

/** Whether repeating the same request (same clientMsgId) may succeed. */
export const isTransient = (err) => TRANSIENT_CODES.has(codeOf(err));
