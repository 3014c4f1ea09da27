// The URL names what is open, so a reload or a shared link opens the same place:
// #/c/<conversationId> and #/c/<conversationId>/thread/<messageId>.

export function parseRoute(hash = location.hash) {
  let parts;
  try {
    parts = hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  } catch {
    return { conversationId: null, threadOf: null }; // a malformed link opens nothing rather than failing
  }
  if (parts[0] !== 'c' || !parts[1]) return { conversationId: null, threadOf: null };
  return { conversationId: parts[1], threadOf: parts[2] === 'thread' && parts[3] ? parts[3] : null };
}

export function routeHref(conversationId, threadOf) {
  if (!conversationId) return '#/';
  return `#/c/${encodeURIComponent(conversationId)}` + (threadOf ? `/thread/${encodeURIComponent(threadOf)}` : '');
}

export function go(conversationId, threadOf) {
  const href = routeHref(conversationId, threadOf);
  if (location.hash !== href) location.hash = href;
}

/** Route changes; in-page anchors (#composer-text and the like) are not routes. */
export function onRoute(fn) {
  window.addEventListener('hashchange', () => { if (/^#\/|^$/.test(location.hash)) fn(parseRoute()); });
}
