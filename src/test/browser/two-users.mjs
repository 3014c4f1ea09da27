// Two people chat in the web client, each in their own browser context: sign up, a DM started by
// picking the other, a room with an invitation, and everything that happens live between them —
// typing, presence, receipts ("seen by"), reactions, edits, deletes, a thread reply, a mention and an
// image attachment. Screenshots of the main screens (desktop and phone, light and dark) and axe-core
// on each (flag `screens`). Flag `spread`: the two are made to use different instances (a cluster
// behind nginx: bob reloads until his connection is served by another instance than alice's).
// Usage: node two-users.mjs <baseUrl> <tenant> <artifactsDir> [screens] [spread]
import { args, browser, person, signUp, online, openConversation, send, seesMessage, until, step, screenshot as shoot, axe as check, done, deadline, fail, nodeOf, PHONE, DESKTOP } from './kit.mjs';

const { base, tenant, artifacts, flags } = args();
const screens = flags.has('screens');
const screenshot = (...a) => (screens ? shoot(...a) : null);
const axe = (...a) => (screens ? check(...a) : []);
deadline(150000);
const result = { screenshots: {}, axe: {} };
const b = await browser();

step('sign-in screen');
const alice = await person(b, base, 'alice');
await alice.page.goto('/');
await until(alice, 'the sign-in form', () => !document.querySelector('#auth').hidden);
result.axe.signIn = await axe(alice);
result.screenshots.signIn = await screenshot(alice, artifacts, 'sign-in-desktop-light');

step('sign up');
await signUp(alice, { tenant, username: 'alice', displayName: 'Alice Archer' });
result.focusAfterLogin = await alice.page.evaluate(() => document.activeElement?.closest('#app') !== null);
const bob = await person(b, base, 'bob');
// Desktop notifications: granted, and each one the page makes is noted (then shown as usual).
await bob.context.grantPermissions(['notifications']);
await bob.page.addInitScript(() => {
  const Real = window.Notification;
  window.__notified = [];
  window.Notification = class extends Real {
    constructor(title, options) { super(title, options); window.__notified.push({ title, body: options?.body }); }
  };
});
await signUp(bob, { tenant, username: 'bob', displayName: 'Bob Baker' });

if (flags.has('spread')) {
  step('bob on another instance than alice');
  for (let i = 0; i < 10 && await nodeOf(bob) === await nodeOf(alice); i++) {
    await bob.page.reload();
    await online(bob);
  }
  result.nodes = [await nodeOf(alice), await nodeOf(bob)];
  if (result.nodes[0] === result.nodes[1]) fail(`both on ${result.nodes[0]} after ten reloads`);
}

step('alice starts a DM with bob by picking him');
await alice.page.getByRole('button', { name: 'New message' }).click();
await alice.page.getByLabel('Search people').fill('bo');
await alice.page.locator('#dialog').getByRole('button', { name: /Bob Baker/ }).click();
await alice.page.getByRole('button', { name: 'Start', exact: true }).click();
await until(alice, 'the DM is open', () => document.querySelector('#chat-title')?.textContent === 'Bob Baker');
result.dmUrl = new URL(alice.page.url()).hash;
await send(alice, 'hi bob');
await seesMessage(alice, 'hi bob');

step('bob sees the DM with an unread badge, and opens it');
await until(bob, 'the DM with an unread badge', () => document.querySelector('#list-dm a.conv .badge.unread')?.textContent === '1');
result.bobDmName = await bob.page.textContent('#list-dm a.conv .name');
await openConversation(bob, 'Alice Archer');
await seesMessage(bob, 'hi bob');

step('presence: each sees the other online');
await until(alice, 'bob online', () => document.querySelector('#list-dm a.conv .dot')?.dataset.presence === 'online');

step('typing');
await bob.page.locator('#composer textarea').pressSequentially('hel', { delay: 30 });
await until(alice, 'bob is typing', () => /Bob Baker is typing/.test(document.querySelector('#typing').textContent));
await bob.page.locator('#composer textarea').fill('hello alice');
await bob.page.locator('#composer textarea').press('Enter');
await seesMessage(alice, 'hello alice');
await until(alice, 'typing cleared', () => document.querySelector('#typing').textContent === '');

step('receipts: alice sees bob has seen hers');
await send(alice, 'are you there?');
await seesMessage(bob, 'are you there?');
await until(alice, 'seen by Bob', () => /Seen by Bob Baker/.test(document.querySelector('#messages .msg.mine:last-of-type .seen')?.textContent || ''));

step('reaction');
const hers = bob.page.locator('#messages .msg', { hasText: 'are you there?' });
await hers.hover();
await hers.getByLabel('Add reaction').click();
await hers.getByRole('button', { name: 'React with 👍' }).click();
await until(alice, 'the reaction', () => [...document.querySelectorAll('#messages .reaction')].some((r) => r.textContent === '👍 1'));

step('edit');
const mine = alice.page.locator('#messages .msg', { hasText: 'hi bob' });
await mine.hover();
await mine.getByLabel('Edit message').click();
const editor = alice.page.getByRole('textbox', { name: 'Edit message' });
await editor.fill('hi bob, edited');
await editor.press('Enter');
await until(bob, 'the edit', () => [...document.querySelectorAll('#messages .msg')].some((m) => m.querySelector('.text')?.textContent === 'hi bob, edited' && m.querySelector('.edited')));

step('room with an invitation');
await alice.page.getByRole('button', { name: 'New room' }).click();
await alice.page.locator('#dialog').getByLabel('Name', { exact: true }).fill('lunch');
await alice.page.getByLabel('Search people').fill('bob');
await alice.page.locator('#dialog').getByRole('button', { name: /Bob Baker/ }).click();
result.axe.dialog = await axe(alice);
result.screenshots.newRoom = await screenshot(alice, artifacts, 'new-room-dialog-desktop-light');
await alice.page.getByRole('button', { name: 'Create room' }).click();
await until(alice, 'the room is open', () => document.querySelector('#chat-title')?.textContent === '#lunch');
await send(alice, 'where to, @bob?');
await until(bob, 'the room in the sidebar', () => [...document.querySelectorAll('#list-room .name')].some((n) => n.textContent === 'lunch'));
await until(bob, 'a mention badge on the room', () => !!document.querySelector('#list-room a.conv .badge.mention'));
result.bobTitle = await bob.page.title();
await until(bob, 'a desktop notification for the mention', () => window.__notified.length > 0);
result.bobNotified = await bob.page.evaluate(() => window.__notified);
// Keyboard only: the room's link is reached and opened without the mouse.
await bob.page.locator('#list-room a.conv', { hasText: 'lunch' }).focus();
await bob.page.keyboard.press('Enter');
await until(bob, 'lunch open by keyboard', () => document.querySelector('#chat-title')?.textContent === '#lunch');
await seesMessage(bob, 'where to, @bob?');
result.mentionHighlighted = await bob.page.locator('#messages .mention.self', { hasText: '@bob' }).count();

step('thread reply');
const root = bob.page.locator('#messages .msg', { hasText: 'where to' });
await root.hover();
await root.getByLabel('Reply in thread').click();
await until(bob, 'the thread panel', () => !document.querySelector('#thread').hidden);
result.threadUrl = new URL(bob.page.url()).hash;
await send(bob, 'pizza place on 5th', '#thread-composer');
await seesMessage(bob, 'pizza place on 5th', '#thread-messages');
await until(alice, '1 reply on the root', () => document.querySelector('#messages .replies')?.textContent === '1 reply');
await alice.page.locator('#messages .replies').click();
await seesMessage(alice, 'pizza place on 5th', '#thread-messages');
result.axe.thread = await axe(alice);
result.screenshots.thread = await screenshot(alice, artifacts, 'thread-desktop-light');
await alice.page.getByLabel('Close thread').click();

step('mention autocomplete');
await bob.page.locator('#composer textarea').pressSequentially('@ali', { delay: 20 });
await until(bob, 'a suggestion', () => document.querySelector('#composer-suggest li')?.textContent === '@alice');
await bob.page.locator('#composer textarea').press('Enter');
await bob.page.locator('#composer textarea').pressSequentially('ok?', { delay: 10 });
result.mentionInserted = await bob.page.inputValue('#composer textarea');
await bob.page.locator('#composer textarea').press('Enter');
await until(alice, 'her mention', () => !!document.querySelector('#messages .mention.self'));

step('a message that can never be sent stays editable');
const crowd = Array.from({ length: 51 }, (_, i) => `@someone${i}`).join(' ');
await send(bob, crowd);
await until(bob, 'the refusal', () => /TOO_MANY_MENTIONS|names more than/.test(document.querySelector('#messages .msg.pending[data-state=failed]')?.textContent || ''));
result.refusal = await bob.page.textContent('#messages .msg.pending .failed');
await bob.page.locator('#messages .msg.pending').getByRole('button', { name: 'Edit' }).click();
result.backInTheBox = (await bob.page.inputValue('#composer textarea')) === crowd;
await until(bob, 'the failed copy gone', () => !document.querySelector('#messages .msg.pending'));
result.pendingAfterEdit = await bob.page.locator('#messages .msg.pending').count();
await bob.page.locator('#composer textarea').fill('');

step('image attachment');
const png = Buffer.from(await alice.page.evaluate(() => {
  const c = document.createElement('canvas');
  c.width = 640; c.height = 400;
  const g = c.getContext('2d');
  g.fillStyle = '#2f6fdb'; g.fillRect(0, 0, 640, 400);
  g.fillStyle = '#ffd166'; g.beginPath(); g.arc(320, 200, 120, 0, Math.PI * 2); g.fill();
  return c.toDataURL('image/png').split(',')[1];
}), 'base64');
await alice.page.locator('#composer input[type=file]').setInputFiles({ name: 'sunny day.png', mimeType: 'image/png', buffer: png });
await until(alice, 'the upload done', () => !!document.querySelector('#composer .chip .done'));
await alice.page.locator('#composer textarea').fill('the view');
await alice.page.locator('#composer textarea').press('Enter');
await until(bob, 'the image preview', () => [...document.querySelectorAll('#messages img.thumb')].some((i) => i.complete && i.naturalWidth > 0));
result.imageSize = await bob.page.$eval('#messages img.thumb', (i) => [i.naturalWidth, i.naturalHeight]);
result.fileLabel = await bob.page.textContent('#messages .download');

step('a file dropped, then downloaded');
const dropped = await bob.page.evaluateHandle(() => {
  const dt = new DataTransfer();
  dt.items.add(new File(['minutes of the lunch meeting\n'], 'minutes.txt', { type: 'text/plain' }));
  return dt;
});
await bob.page.dispatchEvent('#chat', 'dragenter', { dataTransfer: dropped });
result.dropZoneShown = await bob.page.isVisible('#drop');
await bob.page.dispatchEvent('#chat', 'drop', { dataTransfer: dropped });
await until(bob, 'the dropped file uploaded', () => !!document.querySelector('#composer .chip .done'));
await bob.page.locator('#composer textarea').press('Enter');
await until(alice, 'the file offered', () => [...document.querySelectorAll('#messages .download')].some((d) => d.textContent.includes('minutes.txt')));
const [download] = await Promise.all([
  alice.page.waitForEvent('download'),
  alice.page.locator('#messages .download', { hasText: 'minutes.txt' }).click(),
]);
result.download = { name: download.suggestedFilename(), text: (await import('node:fs')).readFileSync(await download.path(), 'utf8') };

step('the length counter');
await alice.page.locator('#composer textarea').fill('x'.repeat(14000));
result.counterNear = await alice.page.textContent('#composer .counter');
await alice.page.locator('#composer textarea').fill('é'.repeat(8200));
result.counterOver = await alice.page.evaluate(() => ({ text: document.querySelector('#composer .counter').textContent,
  over: document.querySelector('#composer .counter').classList.contains('over'), sendDisabled: document.querySelector('#composer .send').disabled }));
await alice.page.locator('#composer textarea').fill('');

step('delete');
const gone = alice.page.locator('#messages .msg', { hasText: 'where to' });
await gone.hover();
await gone.getByLabel('Delete message').click();
await alice.page.locator('#dialog').getByRole('button', { name: 'Delete' }).click();
await until(bob, 'the tombstone', () => [...document.querySelectorAll('#messages .text.deleted')].length === 1);

if (!screens) {
  result.bobTexts = await bob.page.$$eval('#messages .msg .text', (els) => els.map((e) => e.textContent));
  result.errors = [...alice.errors, ...bob.errors];
  await b.close();
  done(result);
}

step('screens: desktop and phone, light and dark');
await until(alice, 'the thumbnail at alice', () => [...document.querySelectorAll('#messages img.thumb')].some((i) => i.complete && i.naturalWidth > 0));
result.axe.chat = await axe(alice);
result.screenshots.chatDesktopLight = await screenshot(alice, artifacts, 'chat-desktop-light');
await alice.page.emulateMedia({ colorScheme: 'dark' });
result.axe.chatDark = await axe(alice);
result.screenshots.chatDesktopDark = await screenshot(alice, artifacts, 'chat-desktop-dark');
await alice.page.setViewportSize(PHONE);
result.screenshots.chatPhoneDark = await screenshot(alice, artifacts, 'chat-phone-dark');
await alice.page.emulateMedia({ colorScheme: 'light' });
result.axe.chatPhone = await axe(alice);
result.screenshots.chatPhoneLight = await screenshot(alice, artifacts, 'chat-phone-light');
await alice.page.getByLabel('Back to conversations').click();
await until(alice, 'the list on the phone', () => getComputedStyle(document.querySelector('#sidebar')).display !== 'none');
result.axe.listPhone = await axe(alice);
result.screenshots.listPhoneLight = await screenshot(alice, artifacts, 'list-phone-light');
await alice.page.emulateMedia({ colorScheme: 'dark' });
result.screenshots.listPhoneDark = await screenshot(alice, artifacts, 'list-phone-dark');
await alice.page.setViewportSize(DESKTOP);

result.bobTexts = await bob.page.$$eval('#messages .msg .text', (els) => els.map((e) => e.textContent));
result.errors = [...alice.errors, ...bob.errors];
await b.close();
done(result);
