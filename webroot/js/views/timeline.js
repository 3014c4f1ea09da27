// A scrolling list of messages: day separators, the "new messages" divider, consecutive messages of
// one sender grouped, own unsent messages at the end. Rendered by keyed reconcile, so only what
// changed is touched; it stays at the bottom when it was there, and keeps its place otherwise.
import { h, reconcile, batched } from '../dom.js';
import { dayKey, dayLabel } from '../format.js';
import { renderMessage, renderPending } from './message.js';

const GROUP_MS = 5 * 60 * 1000;

export class Timeline {
  /** @param opts {list, scroller, source: () => {messages, pending, dividerAt?, seenBy?}, ctx: () => object, onBottom?} */
  constructor(opts) {
    this.opts = opts;
    this.render = batched(() => this.draw());
    this.stick = true;
    opts.scroller.addEventListener('scroll', () => {
      this.stick = this.atBottom();
      if (this.stick) opts.onBottom?.();
    }, { passive: true });
  }

  atBottom() {
    const s = this.opts.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 40;
  }

  toBottom() {
    const s = this.opts.scroller;
    s.scrollTop = s.scrollHeight;
    this.stick = true;
  }

  draw() {
    const { list, scroller } = this.opts;
    const stick = this.stick;
    const anchor = !stick && firstVisible(list, scroller);
    const anchorTop = anchor && anchor.getBoundingClientRect().top;
    const ctx = this.opts.ctx();
    reconcile(list, this.rows(this.opts.source(), ctx));
    if (stick) this.toBottom();
    else if (anchor?.isConnected) scroller.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
    this.opts.onDrawn?.(stick);
  }

  rows({ messages, pending, dividerAt, seenBy }, ctx) {
    const rows = [];
    let prev = null;
    let dividerDone = dividerAt === undefined || dividerAt === null;
    for (const m of messages) {
      if (!prev || dayKey(prev.createdAt) !== dayKey(m.createdAt)) {
        const label = dayLabel(m.createdAt);
        rows.push({ key: `day-${dayKey(m.createdAt)}`, sig: label, render: () => h('li.day', h('span', label)) });
        prev = null;
      }
      if (!dividerDone && m.seq > dividerAt && m.senderId !== ctx.me) {
        dividerDone = true;
        rows.push({ key: 'divider', sig: '', render: () => h('li.divider', h('span', 'New messages')) });
        prev = null;
      }
      const grouped = !!prev && !prev.deleted && !m.deleted && prev.senderId === m.senderId && m.createdAt - prev.createdAt < GROUP_MS;
      const seen = seenBy?.seq === m.seq ? seenBy.names : null;
      const mctx = { ...ctx, grouped, seenBy: seen };
      rows.push({ key: `m-${m.seq}`, sig: signature(m, grouped, seen, ctx), render: () => renderMessage(m, mctx) });
      prev = m;
    }
    for (const entry of pending) {
      rows.push({ key: `p-${entry.clientMsgId}`, sig: `${entry.state}|${entry.text}|${entry.code}|${ctx.online}`, render: () => renderPending(entry, ctx) });
    }
    return rows;
  }
}

export function signature(m, grouped, seen, ctx) {
  return JSON.stringify([m.text, m.editedAt, m.deleted, m.reactions, m.replyCount, grouped, seen, ctx.canDelete, ctx.namesVersion, ctx.editing === m.id]);
}

/** The first message on screen (not a day separator, which stays first while pages come in above it). */
function firstVisible(list, scroller) {
  const top = scroller.getBoundingClientRect().top;
  for (const el of list.children) if (el.classList.contains('msg') && el.getBoundingClientRect().bottom > top) return el;
  return null;
}
