// One session for all tabs of a browser. Refresh tokens rotate, and presenting a spent one revokes the
// whole family (every tab signed out), so tabs must share the current pair and never refresh with the
// same token at once: the pair lives in localStorage, other tabs hear of changes through the `storage`
// event, and refreshes are serialised across tabs with the Web Locks API (TokenManager takes the lock).

export const SESSION_KEY = 'parley.session';

/**
 * The `sessionStore` option backed by `localStorage` and `navigator.locks`.
 * @param {Storage} storage e.g. localStorage
 * @param {{request(name: string, fn: () => any): Promise<any>}} [locks] e.g. navigator.locks; without it
 *   (older browsers, non-secure origins) lock() just runs the function: refreshes can then race across tabs
 * @param {EventTarget} [events] where `storage` events fire (default: window)
 */
export function browserSessionStore(storage, locks, events = typeof window !== 'undefined' ? window : undefined) {
  const load = () => {
    try {
      const s = JSON.parse(storage.getItem(SESSION_KEY) ?? 'null');
      return s && typeof s === 'object' && s.refreshToken ? s : null;
    } catch {
      return null; // unreadable: as if none
    }
  };
  return {
    load,
    save(session) {
      if (session) storage.setItem(SESSION_KEY, JSON.stringify(session));
      else storage.removeItem(SESSION_KEY);
    },
    // The storage event fires only in the other tabs, never in the one that wrote: no echo to filter.
    subscribe(fn) {
      if (!events || typeof events.addEventListener !== 'function') return () => {};
      const listener = (e) => { if (e.key === SESSION_KEY || e.key === null) fn(load()); };
      events.addEventListener('storage', listener);
      return () => events.removeEventListener('storage', listener);
    },
    lock(name, fn) {
      if (locks && typeof locks.request === 'function') return locks.request(name, () => fn());
      return Promise.resolve().then(fn);
    },
  };
}

/**
 * A store shared in memory, for Node and tests: `shared.store()` gives one tab's view; a save is heard
 * by the other views (as the storage event would be), and lock() is one queue for all of them.
 */
export function memorySessionStore() {
  let value = null;
  let queue = Promise.resolve();
  const listeners = new Set();
  return {
    store() {
      let mine = null;
      return {
        load: () => (value ? { ...value } : null),
        save(session) {
          value = session ? { ...session } : null;
          for (const fn of listeners) if (fn !== mine) fn(value ? { ...value } : null);
        },
        subscribe(fn) {
          mine = fn;
          listeners.add(fn);
          return () => listeners.delete(fn);
        },
        lock(name, fn) {
          const run = queue.then(() => fn());
          queue = run.catch(() => {});
          return run;
        },
      };
    },
  };
}
