// Attachment bytes over REST (PROTOCOL.md, Attachments). Uploads use XMLHttpRequest where there is one
// (browsers): fetch cannot report upload progress. Node has no XMLHttpRequest: fetch + FormData + Blob,
// with progress only at the start and the end. Downloads go through fetch with the bearer token, since
// an <img src> cannot carry an Authorization header: the caller gets a Blob (e.g. for URL.createObjectURL).
import { ParleyError } from './errors.js';

/** A ParleyError from an error answer `{error: {code, message}}` (or its HTTP status when it has none). */
function answerError(status, text) {
  let data = null;
  try { data = JSON.parse(text); } catch { /* not JSON: a proxy's page */ }
  if (data && data.error && data.error.code) return new ParleyError(data.error.code, data.error.message ?? '', { status });
  if (status === 413) return new ParleyError('PAYLOAD_TOO_LARGE', 'the file is too large', { status });
  return new ParleyError(`HTTP_${status}`, 'request failed', { status });
}

const aborted = () => new ParleyError('ABORTED', 'cancelled');

/** Blob (or File) of what was given: a Blob/File, or bytes (ArrayBuffer, a typed array, a Node Buffer). */
function asBlob(file, type) {
  if (typeof Blob !== 'undefined' && file instanceof Blob) return file;
  if (file instanceof ArrayBuffer || ArrayBuffer.isView(file)) return new Blob([file], type ? { type } : {});
  throw new ParleyError('VALIDATION_FAILED', 'file must be a Blob, a File or bytes');
}

/**
 * POSTs one file as the multipart field `file`. Resolves with the server's attachment record.
 * @param {{url: string, token: string, file: Blob|ArrayBuffer|ArrayBufferView, name?: string,
 *   onProgress?: (p: {loaded: number, total: number}) => void, signal?: AbortSignal,
 *   fetch: typeof fetch, XMLHttpRequest?: any}} o
 */
export function uploadFile(o) {
  const blob = asBlob(o.file, o.contentType);
  const name = o.name ?? o.file.name ?? 'file';
  const form = new FormData();
  form.append('file', blob, name);
  if (o.signal && o.signal.aborted) return Promise.reject(aborted());
  const XHR = o.XMLHttpRequest === undefined ? globalThis.XMLHttpRequest : o.XMLHttpRequest;
  return XHR ? viaXhr(XHR, o, form, blob.size) : viaFetch(o, form, blob.size);
}

function viaXhr(XHR, o, form, size) {
  return new Promise((resolve, reject) => {
    const xhr = new XHR();
    const onAbort = () => xhr.abort();
    const done = () => { if (o.signal) o.signal.removeEventListener('abort', onAbort); };
    xhr.open('POST', o.url);
    xhr.setRequestHeader('authorization', `Bearer ${o.token}`);
    if (o.onProgress) {
      xhr.upload.onprogress = (e) => o.onProgress({ loaded: e.loaded, total: e.lengthComputable ? e.total : size });
    }
    xhr.onload = () => {
      done();
      if (xhr.status >= 200 && xhr.status < 300) {
        try { resolve(JSON.parse(xhr.responseText)); } catch { reject(new ParleyError('INTERNAL', 'unreadable answer', { status: xhr.status })); }
      } else {
        reject(answerError(xhr.status, xhr.responseText));
      }
    };
    xhr.onerror = () => { done(); reject(new ParleyError('NETWORK', 'the server cannot be reached')); };
    xhr.onabort = () => { done(); reject(aborted()); };
    if (o.signal) o.signal.addEventListener('abort', onAbort);
    xhr.send(form);
  });
}

async function viaFetch(o, form, size) {
  if (o.onProgress) o.onProgress({ loaded: 0, total: size });
  let res;
  try {
    res = await o.fetch(o.url, { method: 'POST', headers: { authorization: `Bearer ${o.token}` }, body: form, signal: o.signal });
  } catch (err) {
    throw (o.signal && o.signal.aborted) ? aborted() : new ParleyError('NETWORK', 'the server cannot be reached');
  }
  const text = await res.text().catch(() => '');
  if (!res.ok) throw answerError(res.status, text);
  if (o.onProgress) o.onProgress({ loaded: size, total: size });
  try { return JSON.parse(text); } catch { throw new ParleyError('INTERNAL', 'unreadable answer', { status: res.status }); }
}

/** GETs an attachment's bytes (or its preview) as a Blob. */
export async function downloadFile({ url, token, fetch, signal }) {
  let res;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal });
  } catch (err) {
    throw (signal && signal.aborted) ? aborted() : new ParleyError('NETWORK', 'the server cannot be reached');
  }
  if (!res.ok) throw answerError(res.status, await res.text().catch(() => ''));
  return res.blob();
}
