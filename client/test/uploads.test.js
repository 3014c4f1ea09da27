import { test } from 'node:test';
import assert from 'node:assert/strict';
import { uploadFile, downloadFile } from '../src/uploads.js';

const record = { attachmentId: 'att1', name: 'cat.png', size: 3, contentType: 'image/png', sha256: 'ab', thumbnail: true, image: { width: 1, height: 1 } };
const json = (status, body) => new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

test('Node: fetch + FormData, the file in the field `file`, the bearer token, progress at 0 and done', async () => {
  const seen = [];
  const fetch = async (url, init) => { seen.push({ url, init }); return json(201, record); };
  const progress = [];
  const r = await uploadFile({ url: 'http://x/api/conversations/c/attachments', token: 'tok', file: new Uint8Array([1, 2, 3]), name: 'cat.png', onProgress: (p) => progress.push(p), fetch, XMLHttpRequest: null });
  assert.deepEqual(r, record);
  assert.equal(seen[0].init.method, 'POST');
  assert.equal(seen[0].init.headers.authorization, 'Bearer tok');
  const file = seen[0].init.body.get('file');
  assert.equal(file.name, 'cat.png');
  assert.equal(file.size, 3);
  assert.deepEqual(progress, [{ loaded: 0, total: 3 }, { loaded: 3, total: 3 }]);
});

test('the server\'s refusal comes back as a ParleyError with its code', async () => {
  for (const [status, code] of [[422, 'FILE_INFECTED'], [415, 'UNSUPPORTED_FILE_TYPE'], [413, 'PAYLOAD_TOO_LARGE']]) {
    const fetch = async () => json(status, { error: { code, message: 'no' } });
    await assert.rejects(uploadFile({ url: 'u', token: 't', file: new Blob(['x']), fetch, XMLHttpRequest: null }), (e) => e.code === code && e.status === status);
  }
  const fetch = async () => new Response('<html>too big</html>', { status: 413 });
  await assert.rejects(uploadFile({ url: 'u', token: 't', file: new Blob(['x']), fetch, XMLHttpRequest: null }), (e) => e.code === 'PAYLOAD_TOO_LARGE');
  const down = async () => { throw new TypeError('fetch failed'); };
  await assert.rejects(uploadFile({ url: 'u', token: 't', file: new Blob(['x']), fetch: down, XMLHttpRequest: null }), (e) => e.code === 'NETWORK');
});

test('an aborted signal cancels (fetch path)', async () => {
  const ac = new AbortController();
  const fetch = (url, init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))));
  const p = uploadFile({ url: 'u', token: 't', file: new Blob(['x']), fetch, signal: ac.signal, XMLHttpRequest: null });
  ac.abort();
  await assert.rejects(p, (e) => e.code === 'ABORTED');
});

/** Enough of XMLHttpRequest for the browser path. */
class FakeXHR {
  static last = null;
  constructor() { this.headers = {}; this.upload = {}; FakeXHR.last = this; }
  open(method, url) { this.method = method; this.url = url; }
  setRequestHeader(k, v) { this.headers[k] = v; }
  send(body) { this.body = body; }
  abort() { this.onabort(); }
  answer(status, body) { this.status = status; this.responseText = JSON.stringify(body); this.onload(); }
}

test('browser: XMLHttpRequest reports upload progress, and the signal aborts it', async () => {
  const progress = [];
  const p = uploadFile({ url: 'u', token: 'tok', file: new Blob(['abcd']), name: 'a.txt', onProgress: (x) => progress.push(x), XMLHttpRequest: FakeXHR });
  const xhr = FakeXHR.last;
  assert.equal(xhr.method, 'POST');
  assert.equal(xhr.headers.authorization, 'Bearer tok');
  assert.equal(xhr.body.get('file').name, 'a.txt');
  xhr.upload.onprogress({ loaded: 2, total: 4, lengthComputable: true });
  xhr.upload.onprogress({ loaded: 4, total: 4, lengthComputable: true });
  xhr.answer(201, record);
  assert.deepEqual(await p, record);
  assert.deepEqual(progress, [{ loaded: 2, total: 4 }, { loaded: 4, total: 4 }]);

  const ac = new AbortController();
  const q = uploadFile({ url: 'u', token: 'tok', file: new Blob(['abcd']), signal: ac.signal, XMLHttpRequest: FakeXHR });
  ac.abort();
  await assert.rejects(q, (e) => e.code === 'ABORTED');
  const r = uploadFile({ url: 'u', token: 'tok', file: new Blob(['abcd']), XMLHttpRequest: FakeXHR });
  FakeXHR.last.answer(422, { error: { code: 'FILE_INFECTED', message: 'Eicar' } });
  await assert.rejects(r, (e) => e.code === 'FILE_INFECTED');
});

test('downloads carry the token and come back as a Blob; 404 is ATTACHMENT_NOT_FOUND', async () => {
  const seen = [];
  const fetch = async (url, init) => { seen.push([url, init.headers.authorization]); return url.endsWith('/nope') ? json(404, { error: { code: 'ATTACHMENT_NOT_FOUND', message: 'no' } }) : new Response(new Blob(['png'])); };
  const blob = await downloadFile({ url: 'http://x/api/attachments/a/thumbnail', token: 'tok', fetch });
  assert.equal(await blob.text(), 'png');
  assert.deepEqual(seen[0], ['http://x/api/attachments/a/thumbnail', 'Bearer tok']);
  await assert.rejects(downloadFile({ url: 'http://x/api/attachments/nope', token: 'tok', fetch }), (e) => e.code === 'ATTACHMENT_NOT_FOUND');
});
