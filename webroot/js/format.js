// Text of messages and times. Links and mentions become elements built from text: a message never
// reaches the page as markup, and only http(s) links are ever made clickable.
import { h } from './dom.js';

const LINK = /\bhttps?:\/\/[^\s<>"']+/gi;
const TRAILING = /[.,;:!?)\]}'"]+$/;

/** The text of a message as nodes: plain text, safe links, highlighted mentions of members. */
export function richText(text, mentions = [], me) {
  const names = new Map(mentions.map((m) => [m.username.toLowerCase(), m]));
  const out = [];
  let last = 0;
  for (const match of text.matchAll(LINK)) {
    let url = match[0];
    const trail = TRAILING.exec(url);
    if (trail) url = url.slice(0, -trail[0].length);
    out.push(...withMentions(text.slice(last, match.index), names, me));
    out.push(link(url));
    last = match.index + url.length;
  }
  out.push(...withMentions(text.slice(last), names, me));
  return out;
}

function link(url) {
  let href;
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'http:' || parsed.protocol === 'https:') href = parsed.href;
  } catch { /* not a URL: left as text */ }
  return href ? h('a', { href, target: '_blank', rel: 'noopener noreferrer nofollow' }, url) : url;
}

const MENTION = /(^|[^\w@])@([A-Za-z0-9._-]{1,32})/g;

function withMentions(text, names, me) {
  if (!text) return [];
  const out = [];
  let last = 0;
  for (const match of text.matchAll(MENTION)) {
    const name = match[2].replace(/[.]+$/, '');
    const lower = name.toLowerCase();
    const member = names.get(lower);
    const wide = lower === 'here' || lower === 'all';
    if (!member && !wide) continue;
    const start = match.index + match[1].length;
    out.push(text.slice(last, start));
    const self = wide || (member && member.userId === me);
    out.push(h('span.mention', { class: self ? 'self' : undefined }, '@' + name));
    last = start + 1 + name.length;
  }
  out.push(text.slice(last));
  return out;
}

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const yearFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
const shortFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'short' });

export const clock = (ms) => timeFmt.format(ms);
export const fullTime = (ms) => fullFmt.format(ms);
export const dayKey = (ms) => new Date(ms).toDateString();

export function dayLabel(ms, now = Date.now()) {
  const key = dayKey(ms);
  if (key === dayKey(now)) return 'Today';
  if (key === dayKey(now - 86400000)) return 'Yesterday';
  return new Date(ms).getFullYear() === new Date(now).getFullYear() ? dayFmt.format(ms) : yearFmt.format(ms);
}

/** Sidebar time: the clock today, the date before. */
export const shortTime = (ms, now = Date.now()) => (dayKey(ms) === dayKey(now) ? clock(ms) : shortFmt.format(ms));

export function size(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(bytes < 10240 ? 1 : 0)} KB`;
  return `${(bytes / 1048576).toFixed(bytes < 10485760 ? 1 : 0)} MB`;
}

export const utf8Bytes = (text) => new TextEncoder().encode(text).length;

/** A one-line preview of a message for the sidebar. */
export function preview(message) {
  if (!message) return '';
  if (message.deleted) return 'Message deleted';
  const files = message.attachments?.length;
  const text = (message.text || '').replace(/\s+/g, ' ').trim();
  if (text) return text.length > 80 ? text.slice(0, 80) + '…' : text;
  return files ? (files === 1 ? `📎 ${message.attachments[0].name}` : `📎 ${files} files`) : '';
}
