// The message box: Enter sends (Shift+Enter: new line), a length counter against the server's limit,
// @mention autocomplete from the members, files attached by button or drop with upload progress,
// and typing signals. The same composer serves the conversation and the thread panel.
import { h } from '../dom.js';
import { utf8Bytes, size } from '../format.js';
import { icon } from '../icons.js';

export const MESSAGE_MAX_BYTES = 16384; // limits.message_max_bytes, the server's default
const SHOW_COUNTER_AT = 0.8;

export class Composer {
  /** @param opts {form, id, label, chat, conversationId: () => string, threadOf?: () => string, onError, onSent} */
  constructor(opts) {
    this.opts = opts;
    this.files = [];     // {id, file, record?, progress, error?, abort}
    this.suggestions = [];
    this.active = 0;
    this.lookups = 0;
    this.build();
  }

  build() {
    const { form, id, label } = this.opts;
    form.replaceChildren();
    this.text = h('textarea', { id: `${id}-text`, name: 'text', rows: 1, placeholder: label, 'aria-label': label,
      'aria-autocomplete': 'list', 'aria-controls': `${id}-suggest`, 'aria-describedby': `${id}-counter` });
    this.counter = h('span.counter', { id: `${id}-counter`, 'aria-live': 'polite' });
    this.suggest = h('ul.suggest', { id: `${id}-suggest`, role: 'listbox', 'aria-label': 'Mention suggestions', hidden: true });
    this.picker = h('input', { type: 'file', multiple: true, hidden: true, 'aria-hidden': 'true', tabindex: '-1' });
    this.chips = h('ul.chips', { 'aria-label': 'Attachments' });
    this.send = h('button.send', { type: 'submit' }, 'Send');
    const attach = h('button.icon.attach', { type: 'button', 'aria-label': 'Attach files', title: 'Attach files', onclick: () => this.picker.click() }, icon('attach'));
    form.append(this.suggest, this.chips, h('div.compose-row', attach, this.text, this.send), this.counter, this.picker);
    this.picker.addEventListener('change', () => { this.addFiles([...this.picker.files]); this.picker.value = ''; });
    this.text.addEventListener('input', () => this.onInput());
    this.text.addEventListener('keydown', (e) => this.onKey(e));
    this.text.addEventListener('blur', () => setTimeout(() => this.closeSuggest(), 150));
    form.addEventListener('submit', (e) => { e.preventDefault(); this.submit(); });
  }

  focus() { this.text.focus(); }

  reset(text = '') {
    for (const f of this.files) f.abort?.();
    this.files = [];
    this.text.value = text;
    this.closeSuggest();
    this.update();
  }

  onInput() {
    this.autosize();
    this.update();
    if (this.text.value) this.opts.chat.typing(this.opts.conversationId());
    this.lookupMention();
  }

  autosize() {
    this.text.style.height = 'auto';
    this.text.style.height = `${Math.min(this.text.scrollHeight + 2, 200)}px`;
  }

  update() {
    const bytes = utf8Bytes(this.text.value);
    const over = bytes > MESSAGE_MAX_BYTES;
    const count = bytes >= MESSAGE_MAX_BYTES * SHOW_COUNTER_AT ? `${bytes.toLocaleString()} / ${MESSAGE_MAX_BYTES.toLocaleString()} bytes` : '';
    if (this.counter.textContent !== count) this.counter.textContent = count;
    this.counter.classList.toggle('over', over);
    const uploading = this.files.some((f) => !f.record && !f.error);
    const ready = this.files.some((f) => f.record);
    this.send.disabled = over || uploading || (!this.text.value.trim() && !ready);
    this.renderChips();
  }

  onKey(e) {
    if (e.isComposing) return undefined; // an input method is still composing: its keys are its own
    if (!this.suggest.hidden && this.suggestions.length) {
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        this.active = (this.active + (e.key === 'ArrowDown' ? 1 : -1) + this.suggestions.length) % this.suggestions.length;
        return this.renderSuggest();
      }
      if (e.key === 'Enter' || e.key === 'Tab') { e.preventDefault(); return this.pick(this.suggestions[this.active]); }
      if (e.key === 'Escape') { e.preventDefault(); return this.closeSuggest(); }
    }
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      if (!this.send.disabled) this.submit();
    }
  }

  // ---- mentions ---------------------------------------------------------------------------------

  async lookupMention() {
    const asked = ++this.lookups;
    const upToCaret = this.text.value.slice(0, this.text.selectionStart);
    const match = /(^|[^\w@])@([\w.-]{0,32})$/.exec(upToCaret);
    if (!match) return this.closeSuggest();
    const prefix = match[2].toLowerCase();
    const conversationId = this.opts.conversationId();
    const members = await this.opts.chat.members(conversationId).catch(() => []);
    // Typed on, sent or left meanwhile: this answer is stale.
    if (asked !== this.lookups || document.activeElement !== this.text) return undefined;
    const me = this.opts.chat.session?.userId;
    const names = members.filter((m) => m.userId !== me).map((m) => m.username);
    if (this.opts.chat.summary?.(conversationId)?.info?.type === 'room') names.push('here', 'all');
    this.suggestions = names.filter((n) => n.toLowerCase().startsWith(prefix)).slice(0, 8);
    this.active = 0;
    this.mentionStart = upToCaret.length - match[2].length - 1;
    this.renderSuggest();
  }

  renderSuggest() {
    const id = this.opts.id;
    this.suggest.replaceChildren(...this.suggestions.map((name, i) => h('li', {
      id: `${id}-opt-${i}`, role: 'option', 'aria-selected': i === this.active ? 'true' : 'false',
      onmousedown: (e) => { e.preventDefault(); this.pick(name); },
    }, '@' + name)));
    this.suggest.hidden = !this.suggestions.length;
    if (this.suggestions.length) this.text.setAttribute('aria-activedescendant', `${id}-opt-${this.active}`);
    else this.text.removeAttribute('aria-activedescendant');
  }

  pick(name) {
    const value = this.text.value;
    const caret = this.text.selectionStart;
    const inserted = `@${name} `;
    this.text.value = value.slice(0, this.mentionStart) + inserted + value.slice(caret);
    const at = this.mentionStart + inserted.length;
    this.text.setSelectionRange(at, at);
    this.closeSuggest();
    this.update();
  }

  closeSuggest() {
    this.lookups++;
    this.suggestions = [];
    this.suggest.hidden = true;
    this.text.removeAttribute('aria-activedescendant');
  }

  // ---- files --------------------------------------------------------------------------------------

  addFiles(files) {
    for (const file of files) {
      const controller = new AbortController();
      const item = { id: Math.random().toString(36).slice(2), file, progress: 0, abort: () => controller.abort() };
      this.files.push(item);
      this.opts.chat.upload(this.opts.conversationId(), file, {
        signal: controller.signal,
        // Progress moves the bar in place: redrawing the chips would take focus off their buttons.
        onProgress: ({ loaded, total }) => { item.progress = total ? loaded / total : 0; if (item.bar) item.bar.value = item.progress; },
      }).then((record) => { item.record = record; this.update(); }, (err) => {
        if (controller.signal.aborted) return;
        item.error = err;
        this.update();
        this.opts.onError(err);
      });
    }
    this.update();
  }

  renderChips() {
    this.chips.replaceChildren(...this.files.map((f) => h('li.chip', { class: f.error ? 'bad' : undefined },
      h('span', f.file.name, ' ', h('span.hint', `(${size(f.file.size)})`)),
      f.record ? h('span.done', '✓') : f.error ? h('span.bad', f.error.code || 'failed')
        : (f.bar = h('progress', { max: 1, value: f.progress, 'aria-label': `Uploading ${f.file.name}` })),
      h('button.icon', { type: 'button', 'aria-label': `Remove ${f.file.name}`, onclick: () => { this.remove(f); this.text.focus(); } }, '×'))));
    this.chips.hidden = !this.files.length;
  }

  remove(item) {
    item.abort?.();
    this.files = this.files.filter((f) => f !== item);
    this.update();
  }

  // ---- sending ----------------------------------------------------------------------------------

  submit() {
    const text = this.text.value;
    const attachments = this.files.filter((f) => f.record).map((f) => f.record);
    if (this.send.disabled) return;
    const conversationId = this.opts.conversationId();
    const threadOf = this.opts.threadOf?.();
    this.opts.chat.stopTyping(conversationId);
    this.opts.chat.send(conversationId, text.trim() ? text : '', { ...(threadOf && { threadOf }), ...(attachments.length && { attachments }) });
    this.files = [];
    this.text.value = '';
    this.autosize();
    this.update();
    this.opts.onSent?.();
  }
}

export function dropTarget(zone, overlay, onFiles) {
  let depth = 0;
  const hasFiles = (e) => [...(e.dataTransfer?.types || [])].includes('Files');
  zone.addEventListener('dragenter', (e) => { if (hasFiles(e)) { depth++; overlay.hidden = false; } });
  zone.addEventListener('dragleave', () => { if (--depth <= 0) { depth = 0; overlay.hidden = true; } });
  zone.addEventListener('dragover', (e) => { if (hasFiles(e)) e.preventDefault(); });
  zone.addEventListener('drop', (e) => {
    if (!hasFiles(e)) return;
    e.preventDefault();
    depth = 0;
    overlay.hidden = true;
    onFiles([...e.dataTransfer.files]);
  });
}

