// Building the page without a framework. User text reaches the DOM only as text nodes (textContent),
// never as markup: h() takes strings as children and sets attributes one by one.

/** h('li.msg.mine', {dataset: {seq: 3}, onclick}, 'text', child) → an element. */
export function h(tag, props, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  if (props && (typeof props !== 'object' || props instanceof Node || Array.isArray(props))) {
    children.unshift(props);
    props = null;
  }
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'class') el.className += (el.className ? ' ' : '') + value;
    else if (key.startsWith('on')) el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== 'string') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

/**
 * Keyed reconcile of a container's children with rows [{key, sig, render}]: a row whose key and
 * signature are unchanged keeps its element (focus, scroll and screen readers undisturbed: a live
 * region announces only what is really new); others are rendered again; gone rows are removed.
 */
export function reconcile(container, rows) {
  const existing = new Map();
  for (const el of container.children) existing.set(el.dataset.key, el);
  let cursor = container.firstElementChild;
  for (const row of rows) {
    let el = existing.get(row.key);
    if (!el || el.dataset.sig !== row.sig) {
      const fresh = row.render();
      fresh.dataset.key = row.key;
      fresh.dataset.sig = row.sig;
      if (el) {
        const hadFocus = el.contains(document.activeElement) && document.activeElement.dataset.focus;
        el.replaceWith(fresh);
        if (hadFocus) fresh.querySelector(`[data-focus="${CSS.escape(hadFocus)}"]`)?.focus();
        if (cursor === el) cursor = fresh;
      }
      el = fresh;
    }
    existing.delete(row.key);
    if (el !== cursor) container.insertBefore(el, cursor);
    else cursor = cursor.nextElementSibling;
  }
  for (const el of existing.values()) el.remove();
}

/** Runs fn once per animation frame however often it is asked for. */
export function batched(fn) {
  let queued = false;
  return () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; fn(); });
  };
}

export function announce(text) {
  const region = $('#announcer');
  if (!region) return;
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 50);
}
