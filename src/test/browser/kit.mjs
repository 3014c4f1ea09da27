// The browser test kit: Debian's Chromium driven by playwright-core (never a downloaded browser),
// users signing up through the page, the steps a person takes (open, send, react…), waits that fail
// with what the page showed, screenshots and the axe-core check. Scenarios import it and print one
// JSON line of observations for the JUnit test to assert on.
import { chromium } from 'playwright-core';
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
export const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 780 };

export function args() {
  const [base, tenant, artifacts, ...flags] = process.argv.slice(2);
  if (!base || !tenant || !artifacts) fail('usage: node <scenario>.mjs <baseUrl> <tenant> <artifactsDir> [flags]');
  mkdirSync(artifacts, { recursive: true });
  artifactsDir = artifacts;
  return { base, tenant, artifacts, flags: new Set(flags) };
}

let stage = 'start';
let artifactsDir = null;
const people = [];

// A step that throws (a Playwright timeout, a strict-mode clash) fails the scenario like a failed wait:
// with the stage, and a screenshot of every page as it was.
process.on('unhandledRejection', (e) => failWithScreens(e?.message?.split('\n').slice(0, 3).join(' ') || String(e)));
process.on('uncaughtException', (e) => failWithScreens(e?.message?.split('\n').slice(0, 3).join(' ') || String(e)));

async function failWithScreens(why) {
  if (artifactsDir) {
    for (const p of people) await p.page.screenshot({ path: join(artifactsDir, `failed-${p.name}.png`) }).catch(() => {});
  }
  fail(why);
}
export const step = (name) => { stage = name; log(`step: ${name}`); };
export const log = (...a) => console.error(new Date().toISOString().slice(11, 23), ...a);

export function fail(why) {
  console.error(`FAIL at "${stage}": ${why}`);
  process.exit(1);
}

/** Ends the scenario: the observations as the last line of stdout. */
export function done(result) {
  console.log(JSON.stringify(result));
  process.exit(0);
}

export function deadline(ms) {
  setTimeout(() => fail(`timed out after ${ms} ms`), ms).unref();
}

export async function browser() {
  return chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
}

/** A person: their own browser context (cookies, storage) and page, console errors collected. */
export async function person(b, base, name, { viewport = DESKTOP, colorScheme = 'light' } = {}) {
  // A fixed locale and zone: numbers ("14,000") and times read the same on any machine.
  const context = await b.newContext({ viewport, colorScheme, baseURL: base, locale: 'en-US', timezoneId: 'UTC' });
  context.setDefaultTimeout(10000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource|WebSocket/.test(m.text())) errors.push(`${name}: ${m.text()}`); });
  page.on('dialog', (d) => { errors.push(`${name}: unexpected ${d.type()} dialog: ${d.message()}`); d.dismiss(); });
  const p = { name, context, page, errors };
  people.push(p);
  return p;
}

/** Waits for a condition on the page; on timeout fails with the given description and what the page shows. */
export async function until(p, what, fn, arg, timeout = 15000) {
  try {
    await p.page.waitForFunction(fn, arg, { timeout, polling: 100 });
  } catch (e) {
    const shows = await p.page.evaluate(() => ({
      status: document.querySelector('#status')?.textContent,
      error: document.querySelector('#error:not([hidden])')?.textContent,
      title: document.querySelector('#chat-title')?.textContent,
      messages: [...document.querySelectorAll('#messages > li')].map((li) => li.textContent.slice(0, 120)),
    })).catch(() => ({}));
    await failWithScreens(`${p.name}: ${what} did not happen (${e.message.split('\n')[0]}); the page shows ${JSON.stringify(shows)}`);
  }
}

/** The instance serving the page's connection (the `node` of its last `ready`). */
export const nodeOf = (p) => p.page.evaluate(() => window.parley.node);

export async function signUp(p, { tenant, username, password = 'correct-horse-9', displayName }) {
  const { page } = p;
  await page.goto('/');
  await page.locator('#tab-signup').click();
  await page.getByLabel('Workspace').fill(tenant);
  await page.getByLabel('Username').fill(username);
  if (displayName) await page.getByLabel('Display name').fill(displayName);
  await page.getByLabel('Password').fill(password);
  await page.locator('#auth-submit').click();
  await online(p);
}

export async function online(p) {
  await until(p, 'the connection is online', () => document.querySelector('#status')?.dataset.state === 'online');
}

/** Opens a conversation from the sidebar by its shown name. */
export async function openConversation(p, name) {
  await p.page.locator('#sidebar a.conv', { hasText: name }).first().click();
  await until(p, `"${name}" is open`, (n) => document.querySelector('#chat-title')?.textContent.includes(n), name);
}

export async function send(p, text, composer = '#composer') {
  const box = p.page.locator(`${composer} textarea`);
  await box.fill(text);
  await box.press('Enter');
}

/** Text of the timeline's messages (the main list, or the thread's). */
export function texts(p, list = '#messages') {
  return p.page.$$eval(`${list} .msg .text`, (els) => els.map((e) => e.textContent));
}

export async function seesMessage(p, text, list = '#messages') {
  await until(p, `message "${text}" shown`, ([t, l]) => [...document.querySelectorAll(`${l} .msg:not(.pending) .text`)].some((e) => e.textContent === t), [text, list]);
}

export async function screenshot(p, artifacts, name) {
  const path = join(artifacts, `${name}.png`);
  await p.page.screenshot({ path });
  return path;
}

/** axe-core on the page as it is: serious and critical violations (with where they are). */
export async function axe(p) {
  // Evaluated over DevTools, which the page's Content-Security-Policy (no inline scripts) does not stop.
  await p.page.evaluate(AXE);
  return p.page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
}

/**
 * A TCP proxy in front of the server that can drop the network silently: `blackhole()` stops
 * forwarding bytes on every open connection without closing any (no FIN, no RST: what a dead Wi-Fi
 * or a NAT timeout looks like) and refuses new ones; `restore()` resets the connections it held (their
 * NAT state is gone, as after a network change) and lets new ones through again.
 */
export async function tcpProxy(target) {
  const net = await import('node:net');
  const { hostname, port } = new URL(target);
  const open = new Set();
  let dead = false;
  const server = net.createServer((client) => {
    if (dead) return client.destroy();
    const upstream = net.connect(Number(port), hostname);
    const pair = { client, upstream };
    open.add(pair);
    client.on('data', (d) => { if (!pair.held) upstream.write(d); });
    upstream.on('data', (d) => { if (!pair.held) client.write(d); });
    const end = () => { open.delete(pair); client.destroy(); upstream.destroy(); };
    client.on('error', end); upstream.on('error', end); client.on('close', end); upstream.on('close', end);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    blackhole() { dead = true; for (const pair of open) pair.held = true; },
    restore() {
      for (const pair of open) if (pair.held) { pair.client.resetAndDestroy(); pair.upstream.destroy(); }
      dead = false;
    },
    close() { for (const pair of open) { pair.client.destroy(); pair.upstream.destroy(); } server.close(); },
  };
}
