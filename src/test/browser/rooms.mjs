// Rooms and groups from the web client: a public room found by browsing and joined, then left; a
// private room that only the invited see (and browsing does not show); a group started by picking two
// people, named by them; mute; two rooms of one name told apart in the list.
// Usage: node rooms.mjs <baseUrl> <tenant> <artifactsDir>
import { args, browser, person, signUp, send, seesMessage, until, step, done, deadline } from './kit.mjs';

const { base, tenant } = args();
deadline(120000);
const result = {};
const b = await browser();
const [alice, bob, carol] = [await person(b, base, 'alice'), await person(b, base, 'bob'), await person(b, base, 'carol')];
await signUp(alice, { tenant, username: 'alice', displayName: 'Alice Archer' });
await signUp(bob, { tenant, username: 'bob' });
await signUp(carol, { tenant, username: 'carol' });
const dialog = (p) => p.page.locator('#dialog');
const sidebarNames = (p, list) => p.page.$$eval(`#list-${list} .name`, (els) => els.map((e) => e.textContent));

async function createRoom(p, name, { priv = false, invite = [] } = {}) {
  await p.page.getByRole('button', { name: 'New room' }).click();
  await dialog(p).getByLabel('Name', { exact: true }).fill(name);
  if (priv) await dialog(p).getByLabel('Only people invited').check();
  for (const who of invite) {
    await dialog(p).getByLabel('Search people').fill(who);
    await dialog(p).getByRole('button', { name: new RegExp(who) }).click();
  }
  await dialog(p).getByRole('button', { name: 'Create room' }).click();
  await until(p, `#${name} open`, (n) => document.querySelector('#chat-title')?.textContent === `#${n}`, name);
}

step('a public room, found by browsing and joined');
await createRoom(alice, 'random');
await bob.page.getByRole('button', { name: 'Browse rooms' }).click();
await dialog(bob).getByRole('button', { name: 'Join #random' }).click();
await until(bob, '#random open', () => document.querySelector('#chat-title')?.textContent === '#random');
await send(bob, 'hi all');
await seesMessage(alice, 'hi all');

step('leaving it');
await bob.page.locator('#leave').click();
await dialog(bob).getByRole('button', { name: 'Leave' }).click();
await until(bob, '#random gone', () => ![...document.querySelectorAll('#list-room .name')].some((e) => e.textContent === 'random'));
result.bobRoomsAfterLeave = await sidebarNames(bob, 'room');

step('a private room: only the invited');
await createRoom(alice, 'secret', { priv: true });
await alice.page.locator('#invite').click();
await dialog(alice).getByLabel('Search people').fill('car');
await dialog(alice).getByRole('button', { name: /carol/ }).click();
await dialog(alice).getByRole('button', { name: 'Invite', exact: true }).click();
await until(carol, 'secret in her list', () => [...document.querySelectorAll('#list-room .name')].some((e) => e.textContent === 'secret'));
result.privateMark = await carol.page.locator('#list-room a.conv', { hasText: 'secret' }).locator('.kind').textContent();
await bob.page.getByRole('button', { name: 'Browse rooms' }).click();
await until(bob, 'the public rooms listed', () => !!document.querySelector('#dialog .room-row'));
result.bobBrowses = await dialog(bob).locator('.room-row .name').allTextContents();
await dialog(bob).getByRole('button', { name: 'Close' }).click();

step('a group of three, named by its people');
await bob.page.getByRole('button', { name: 'New message' }).click();
for (const who of ['alice', 'carol']) {
  await dialog(bob).getByLabel('Search people').fill(who);
  await dialog(bob).getByRole('button', { name: new RegExp(who === 'alice' ? 'Alice Archer' : 'carol') }).click();
}
await dialog(bob).getByRole('button', { name: 'Start', exact: true }).click();
await until(bob, 'the group open', () => /Alice Archer/.test(document.querySelector('#chat-title')?.textContent || '') && /carol/.test(document.querySelector('#chat-title').textContent));
result.groupTitle = await bob.page.textContent('#chat-title');
await send(bob, 'group hello');
await until(carol, 'the group in her list', () => document.querySelectorAll('#list-group a.conv').length === 1);
await carol.page.locator('#list-group a.conv').click();
await seesMessage(carol, 'group hello');

step('mute');
await carol.page.locator('#mute').click();
await until(carol, 'muted, in the header and the list', () => document.querySelector('#mute').getAttribute('aria-pressed') === 'true'
  && document.querySelector('#list-group a.conv').classList.contains('muted'));
result.muted = await carol.page.evaluate(() => ({ button: document.querySelector('#mute').textContent,
  row: document.querySelector('#list-group a.conv').classList.contains('muted') }));

step('two rooms of one name told apart');
await createRoom(carol, 'random');
await alice.page.getByRole('button', { name: 'Browse rooms' }).click();
await dialog(alice).getByRole('button', { name: 'Join #random' }).click();
await until(alice, 'both in her list', () => [...document.querySelectorAll('#list-room .name')].filter((e) => e.textContent.startsWith('random')).length === 2);
result.aliceRandoms = (await sidebarNames(alice, 'room')).filter((n) => n.startsWith('random')).sort();

result.errors = [alice, bob, carol].flatMap((p) => p.errors);
await b.close();
done(result);
