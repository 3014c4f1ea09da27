// Who is who: display names by user id (asked in batches from GET /api/users?ids=, cached), the
// tenant's user search for pickers, and presence as the server reports it.

export class Directory extends EventTarget {
  constructor(chat) {
    super();
    this.chat = chat;
    this.users = new Map();     // userId → {userId, username, displayName?}
    this.presence = new Map();  // userId → {state, lastSeenAt}
    this.wanted = new Set();
    this.timer = null;
  }

  remember(user) {
    if (!user?.userId) return;
    const known = this.users.get(user.userId);
    this.users.set(user.userId, { ...known, ...user });
  }

  /** The name to show: the display name when set, else the username (asked for once if unknown). */
  name(userId, username) {
    const user = this.users.get(userId);
    if (!user) {
      this.want(userId);
      return username || 'someone';
    }
    return user.displayName || user.username || username || 'someone';
  }

  want(userId) {
    if (!userId || this.users.has(userId) || this.wanted.has(userId)) return;
    this.wanted.add(userId);
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fetchWanted(), 30);
  }

  async fetchWanted() {
    const ids = [...this.wanted].slice(0, 100);
    if (!ids.length) return;
    try {
      const res = await this.chat.api('GET', `/users?ids=${ids.map(encodeURIComponent).join(',')}`, undefined, true);
      for (const user of res.users) this.remember(user);
    } catch { /* names fall back to usernames */ }
    for (const id of ids) {
      this.wanted.delete(id);
      if (!this.users.has(id)) this.users.set(id, { userId: id });
    }
    this.dispatchEvent(new Event('change'));
    if (this.wanted.size) this.fetchWanted();
  }

  async search(q) {
    if (!q.trim()) return [];
    const res = await this.chat.api('GET', `/users?q=${encodeURIComponent(q.trim())}&limit=20`, undefined, true);
    for (const user of res.users) this.remember(user);
    return res.users;
  }

  // Presence has its own event: it redraws dots, not every message (names do that).
  setPresence(userId, state) {
    this.presence.set(userId, state);
    this.dispatchEvent(new Event('presence'));
  }

  async askPresence(userIds) {
    const ids = [...new Set(userIds)].filter((id) => id && id !== this.chat.session?.userId);
    for (let i = 0; i < ids.length; i += 100) {
      const answer = await this.chat.presence(ids.slice(i, i + 100)).catch(() => ({}));
      for (const [id, p] of Object.entries(answer)) this.presence.set(id, p);
    }
    this.dispatchEvent(new Event('presence'));
  }

  presenceOf(userId) { return this.presence.get(userId)?.state ?? 'offline'; }
}
