'use strict';
// Parley's REST API (accounts, rooms) over keep-alive HTTP, with bounded concurrency.
const http = require('http');

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function request(base, method, path, body, token) {
  const url = new URL(path, base);
  const data = body === undefined ? null : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(data ? { 'content-type': 'application/json', 'content-length': data.length } : {}),
          ...(token ? { authorization: `Bearer ${token}` } : {}),
        },
        timeout: 120000,
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let json = null;
          try {
            json = text ? JSON.parse(text) : null;
          } catch (_) { /* not JSON */ }
          if (res.statusCode >= 400) {
            const err = new Error(`${method} ${path} → ${res.statusCode} ${text.slice(0, 200)}`);
            err.status = res.statusCode;
            err.body = json;
            reject(err);
          } else {
            resolve(json);
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.on('error', reject);
    if (data) req.write(data);
    req.end();
  });
}

/** Runs fn over items with at most `concurrency` at a time; returns results in order. */
async function pool(items, concurrency, fn) {
  const out = new Array(items.length);
  let next = 0;
  const one = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, one));
  return out;
}

const PASSWORD = 'bench-password-1';

/** Registers (if needed) and logs in; returns {userId, token, username, tenant}. */
async function userWithToken(base, tenant, username) {
  try {
    await request(base, 'POST', '/api/auth/register', { tenant, username, password: PASSWORD });
  } catch (err) {
    if (err.status !== 409) throw err; // USERNAME_TAKEN: made by an earlier level of this run
  }
  const pair = await request(base, 'POST', '/api/auth/login', { tenant, username, password: PASSWORD });
  return { userId: pair.userId, token: pair.accessToken, username, tenant };
}

/** Registers a user that never logs in here (the directory's rows); returns its userId. */
async function register(base, tenant, username, displayName) {
  const user = await request(base, 'POST', '/api/auth/register', { tenant, username, password: PASSWORD, displayName });
  return user.userId;
}

async function createRoom(base, owner, name, memberNames) {
  const conv = await request(base, 'POST', '/api/conversations',
    { type: 'room', name, visibility: 'private', members: memberNames }, owner.token);
  return conv.id;
}

module.exports = { request, pool, userWithToken, register, createRoom };
