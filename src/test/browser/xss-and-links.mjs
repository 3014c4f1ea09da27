// Hostile text renders as text, and the URL is the place: payloads in a message, a room name, a file
// name and a display name; links made clickable only for http(s); a wrong password's error gone after
// the right one; reload keeps the open conversation; a deep link opens it in a second tab (no new
// sign-in) and, signed out, after signing in.
// Usage: node xss-and-links.mjs <baseUrl> <tenant> <artifactsDir>
import { args, browser, person, signUp, online, openConversation, send, seesMessage, until, step, done, deadline } from './kit.mjs';

const { base, tenant, artifacts } = args();
deadline(120000);
const result = {};
const b = await browser();
const PAYLOADS = {
  message: '<img src=x onerror="window.__xss=\'message\'"><script>window.__xss="script"</script>',
  room: '<img src=x onerror="window.__xss=\'room\'">',
  // No '/' (the server keeps the last path segment) nor = : , ; (Netty's multipart decoder makes them spaces).
  file: '<b><i onclick>bold.txt',
  displayName: '<svg onload="window.__xss=\'name\'">',
};

step('mallory, with a hostile display name, and victor');
const mallory = await person(b, base, 'mallory');
await signUp(mallory, { tenant, username: 'mallory', displayName: PAYLOADS.displayName });
const victor = await person(b, base, 'victor');
await signUp(victor, { tenant, username: 'victor' });

step('a room with a hostile name, victor invited');
await mallory.page.getByRole('button', { name: 'New room' }).click();
await mallory.page.locator('#dialog').getByLabel('Name', { exact: true }).fill(PAYLOADS.room);
await mallory.page.getByLabel('Search people').fill('vic');
await mallory.page.locator('#dialog').getByRole('button', { name: /victor/ }).click();
await mallory.page.getByRole('button', { name: 'Create room' }).click();
await until(mallory, 'the room open', (n) => document.querySelector('#chat-title')?.textContent === `#${n}`, PAYLOADS.room);

step('hostile message, links, a hostile file name');
await send(mallory, PAYLOADS.message);
await send(mallory, 'see https://example.com/a?b=1, and javascript:window.__xss=2 and <a href="javascript:alert(1)">x</a>');
await mallory.page.locator('#composer input[type=file]').setInputFiles({ name: PAYLOADS.file, mimeType: 'text/plain', buffer: Buffer.from('just text\n') });
await until(mallory, 'the upload done', () => !!document.querySelector('#composer .chip .done'));
await mallory.page.locator('#composer textarea').press('Enter');

step('victor sees it all as text');
await until(victor, 'the room in the sidebar', (n) => [...document.querySelectorAll('#list-room .name')].some((e) => e.textContent === n), PAYLOADS.room);
await openConversation(victor, PAYLOADS.room);
await seesMessage(victor, PAYLOADS.message);
await until(victor, 'the file', () => !!document.querySelector('#messages .download'));
await until(victor, 'the sender name resolved', (n) => [...document.querySelectorAll('#messages .sender')].some((e) => e.textContent === n), PAYLOADS.displayName);
result.view = await victor.page.evaluate(() => ({
  xss: window.__xss ?? null,
  title: document.querySelector('#chat-title').textContent,
  senders: [...new Set([...document.querySelectorAll('#messages .sender')].map((e) => e.textContent))],
  texts: [...document.querySelectorAll('#messages .msg .text')].map((e) => e.textContent),
  file: document.querySelector('#messages .download').textContent,
  injected: document.querySelectorAll('#app script, #app svg:not(.icon-svg), #app b, #app img:not(.thumb), #app [onerror], #app [onload]').length,
  links: [...document.querySelectorAll('#messages .text a')].map((a) => ({ href: a.getAttribute('href'), rel: a.rel, target: a.target, text: a.textContent })),
}));

step('a wrong password, then the right one: no stale error');
const again = await person(b, base, 'victor-2');
await again.page.goto('/');
await again.page.getByLabel('Workspace').fill(tenant);
await again.page.getByLabel('Username').fill('victor');
await again.page.getByLabel('Password').fill('wrong-password');
await again.page.locator('#auth-submit').click();
await until(again, 'the error', () => !document.querySelector('#auth-error').hidden);
result.wrongPassword = await again.page.textContent('#auth-error');
await again.page.getByLabel('Password').fill('correct-horse-9');
await again.page.locator('#auth-submit').click();
await online(again);
result.afterLogin = await again.page.evaluate(() => ({
  authError: !document.querySelector('#auth-error').hidden || !document.querySelector('#error').hidden,
  focusInApp: !!document.activeElement?.closest('#app'),
}));

step('reload keeps the open conversation');
const room = new URL(victor.page.url()).hash;
await victor.page.reload();
await online(victor);
await until(victor, 'the room open again', (n) => document.querySelector('#chat-title')?.textContent === `#${n}`, PAYLOADS.room);
await until(victor, 'the messages again', () => document.querySelectorAll('#messages .msg .text').length >= 2);
result.afterReload = { hash: new URL(victor.page.url()).hash, room, texts: await victor.page.$$eval('#messages .msg .text', (els) => els.length) };

step('deep link in a second tab: no sign-in');
const tab = await victor.context.newPage();
await tab.goto(`/${room}`);
const second = { ...victor, page: tab, name: 'victor tab 2' };
await online(second);
await until(second, 'the room open in the second tab', (n) => document.querySelector('#chat-title')?.textContent === `#${n}`, PAYLOADS.room);
result.secondTab = true;

step('a long history');
await mallory.page.evaluate(async (room) => {
  for (let i = 1; i <= 80; i++) {
    await window.parley.chat.request('parley.delivery.send', { conversationId: room, clientMsgId: `bulk-${i}`, text: `older ${i}` });
  }
}, decodeURIComponent(room.split('/')[2]));
// All read: what the next sign-in shows first is the newest page, not an unread backlog.
await victor.page.evaluate((id) => window.parley.chat.request('parley.rooms.read', { conversationId: id, seq: 83 }), decodeURIComponent(room.split('/')[2]));

step('deep link signed out: opens after signing in');
const fresh = await person(b, base, 'victor-3');
await fresh.page.goto(`/${room}`);
await fresh.page.getByLabel('Workspace').fill(tenant);
await fresh.page.getByLabel('Username').fill('victor');
await fresh.page.getByLabel('Password').fill('correct-horse-9');
await fresh.page.locator('#auth-submit').click();
await online(fresh);
await until(fresh, 'the linked room open', (n) => document.querySelector('#chat-title')?.textContent === `#${n}`, PAYLOADS.room);
result.deepLinkAfterSignIn = true;

step('infinite scroll up to the start');
await until(fresh, 'the newest page', () => [...document.querySelectorAll('#messages .text')].some((e) => e.textContent === 'older 80'));
result.firstPage = await fresh.page.$$eval('#messages .msg', (els) => els.length);
for (let i = 0; i < 20 && await fresh.page.isHidden('#history-start'); i++) {
  await fresh.page.evaluate(() => { document.querySelector('#scroller').scrollTop = 0; });
  await new Promise((r) => setTimeout(r, 300));
}
result.allLoaded = await fresh.page.$$eval('#messages .msg', (els) => els.length);

step('sign out in one tab signs the other out');
await tab.getByRole('button', { name: 'Sign out' }).click();
await until(victor, 'signed out here too', () => !document.querySelector('#auth').hidden);
result.signedOutEverywhere = true;

result.payloads = PAYLOADS;
result.errors = [mallory, victor, again, fresh].flatMap((p) => p.errors);
await b.close();
done(result);
