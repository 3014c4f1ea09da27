// Types of @parley/client (hand-written; see README.md and docs/PROTOCOL.md of Parley).

export interface Message {
  id: string; conversationId: string; seq: number; senderId: string; senderName: string;
  clientMsgId: string; text?: string; createdAt: number;
  editedAt?: number; deleted?: boolean; deletedAt?: number;
  threadOf?: string; threadSeq?: number; replyCount?: number; lastReplyAt?: number;
  mentions?: { userId: string; username: string }[]; broadcast?: 'here' | 'all';
  reactions?: { emoji: string; count: number; users: { userId: string; username: string }[] }[];
  attachments?: Attachment[]; duplicate?: boolean;
}

/** An upload as the server answers it (and as messages carry it). */
export interface Attachment {
  attachmentId: string; name: string; size: number; contentType: string; sha256: string;
  thumbnail: boolean; image?: { width: number; height: number };
}

export interface Conversation {
  id: string; type: 'room' | 'dm' | 'group'; name?: string; visibility?: 'public' | 'private';
  lastSeq?: number; readSeq?: number; unread?: number; unreadMentions?: number; muted?: boolean;
  role?: string; dmUsers?: { userId: string; username: string }[]; [k: string]: unknown;
}

export interface Session { tenant: string; userId: string; username: string; accessToken: string; refreshToken: string; expiresAt: number }
export interface TokenPair { accessToken: string; refreshToken: string; expiresIn: number; tenant: string; userId: string; username: string }
export interface Change { changeSeq: number; kind: 'edited' | 'deleted' | 'reacted' | 'unreacted'; message: Message; emoji?: string; userId?: string }
export interface Gap { conversationId: string; after: number; from: number; to: number | undefined }

export type OutboxState = 'sending' | 'sent' | 'failed';
export interface OutboxEntry {
  clientMsgId: string; conversationId: string; text: string; threadOf?: string;
  /** as given to send(): records (to show while pending) or ids; the server gets the ids */
  attachments?: (Attachment | string)[];
  state: OutboxState; attempts: number; createdAt: number;
  seq?: number; message?: Message; code?: string; error?: string; retryable?: boolean;
}

export class ParleyError extends Error {
  constructor(code: string, detail: string, extra?: { failureCode?: number; status?: number });
  code: string; detail: string; failureCode?: number; status?: number;
}
export const TRANSIENT_CODES: Set<string>;
export function codeOf(err: unknown): string;
export function toParleyError(err: unknown): ParleyError;
export function isTransient(err: unknown): boolean;

export class ConversationLog {
  constructor(conversationId: string, start?: { position?: number; changeSeq?: number; readSeq?: number });
  readonly conversationId: string;
  position: number | undefined; changeSeq: number; readSeq: number; lastSeq: number; oldest: number | undefined;
  readonly anchored: boolean; readonly hasOlder: boolean; readonly unread: number;
  anchor(seq: number): void;
  has(seq: number): boolean;
  get(seq: number): Message | undefined;
  messages(): Message[];
  seqOfClientMsgId(senderId: string, clientMsgId: string): number | undefined;
  missing(): Gap | null;
  addLive(message: Message): { added: Message[]; gap: Gap | null };
  addPage(after: number, messages: Message[], hasMore?: boolean): { added: Message[]; gap: Gap | null };
  addOlder(messages: Message[]): Message[];
  applyChange(change: Change): { status: 'applied' | 'ignored' | 'duplicate'; message?: Message; gap: boolean };
  applySyncChanges(changes: Change[] | undefined, changeSeq: number | undefined): Change[];
  setRead(seq: number): boolean;
  syncPosition(): { seq: number; changeSeq: number } | undefined;
}

export function newClientMsgId(): string;
export class Outbox {
  constructor(opts?: { now?: () => number; newId?: () => string });
  static body(entry: OutboxEntry): { conversationId: string; clientMsgId: string; text: string; threadOf?: string; attachments?: string[] };
  add(draft: { conversationId: string; text?: string; threadOf?: string; attachments?: (Attachment | string)[] }, clientMsgId?: string): OutboxEntry;
  /** A saved entry taken in; one that was `sending` becomes a retryable failure. Undefined if the id is held. */
  restore(saved: Partial<OutboxEntry> & { clientMsgId: string; conversationId: string }): OutboxEntry | undefined;
  readonly entries: Map<string, OutboxEntry>;
  get(clientMsgId: string): OutboxEntry | undefined;
  settle(clientMsgId: string, message: Message): OutboxEntry | undefined;
  fail(clientMsgId: string, err: unknown): OutboxEntry | undefined;
  connectionLost(): OutboxEntry[];
  takeResends(): OutboxEntry[];
  retry(clientMsgId: string): OutboxEntry | undefined;
  edit(clientMsgId: string, text: string): OutboxEntry | undefined;
  discard(clientMsgId: string): boolean;
  pending(conversationId: string): OutboxEntry[];
}

/** Storage-like (localStorage, sessionStorage, or your own). */
export interface StorageLike { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void }
export const OUTBOX_CAP: number;
export class OutboxStore {
  constructor(storage: StorageLike, key: string, cap?: number);
  readonly key: string;
  load(): OutboxEntry[];
  save(outbox: Outbox): void;
  forget(clientMsgId: string): void;
}

/** Where the session is kept and shared (tabs of one browser): see browserSessionStore. */
export interface SessionStore {
  load(): Session | null;
  save(session: Session | null): void;
  /** Called when another tab saved (or cleared: null) the session. Returns the unsubscribe function. */
  subscribe(fn: (session: Session | null) => void): () => void;
  /** Runs `fn` holding the named lock across tabs. */
  lock<T>(name: string, fn: () => T | Promise<T>): Promise<T>;
}
export const SESSION_KEY: 'parley.session';
export function browserSessionStore(storage: StorageLike, locks?: { request(name: string, fn: () => any): Promise<any> }, events?: EventTarget): SessionStore;
/** A store shared in memory (Node, tests): each store() is one tab's view. */
export function memorySessionStore(): { store(): SessionStore };

export interface Clock { now(): number; setTimeout(fn: () => void, ms: number): unknown; clearTimeout(id: unknown): void }
export class TokenManager {
  constructor(opts: {
    refresh: (refreshToken: string) => Promise<TokenPair>; onChange?: (s: Session | null) => void; onExpired?: (err: Error) => void;
    clock?: Clock; retryMs?: number; store?: SessionStore; onRemoteSignOut?: (err: ParleyError) => void;
  });
  static refreshDelay(ttlMs: number): number;
  readonly session: Session | null;
  readonly accessToken: string | undefined;
  /** `save: false`: not written to the store (it came from there). */
  set(pair: TokenPair | Session, opts?: { save?: boolean }): Session;
  /** Under the store's lock; adopts a newer stored pair instead of refreshing when another tab just did. */
  refresh(): Promise<Session>;
  fresh(marginMs?: number): Promise<string>;
  /** With a store, also clears it (signing the other tabs out) unless `save: false`. */
  clear(opts?: { save?: boolean }): void;
}

export type ConnectionState = 'offline' | 'connecting' | 'registering' | 'online' | 'reconnecting';
export function loadEventBus(given?: unknown): Promise<any>;
export class Connection {
  constructor(opts: {
    url: string; EventBus: any; inbox: string; token: () => Promise<string>;
    onEvent: (event: any) => void; onState: (state: ConnectionState, info?: object) => void;
    onInboxError?: (err: ParleyError) => void; requestTimeoutMs?: number; options?: object;
    heartbeatTimeoutMs?: number; network?: EventTarget;
  });
  readonly state: ConnectionState; readonly isOpen: boolean;
  open(): void; markReady(): void; presentToken(token: string): void;
  /** Opens a new socket now if not open (skipping the reconnect backoff). Returns whether it did. */
  reconnectNow(): boolean;
  request<T = any>(address: string, body: object, timeoutMs?: number): Promise<T>;
  close(): void;
}

export interface ParleyEventMap {
  state: CustomEvent<{ state: ConnectionState; info?: object }>;
  ready: CustomEvent<{ conversations: Conversation[]; node?: string }>;
  message: CustomEvent<{ conversationId: string; message: Message }>;
  changed: CustomEvent<{ conversationId: string; changeSeq: number; kind: Change['kind']; message: Message; emoji?: string; userId?: string }>;
  outbox: CustomEvent<{ entry: OutboxEntry }>;
  /** also when a `true` lapses (`lapsed: true`) or the typer's message arrives; `typers` is the list after the change */
  typing: CustomEvent<{ type: 'typing'; conversationId: string; userId: string; username: string; typing: boolean; expiresInMs?: number; lapsed?: boolean; typers: Typer[] }>;
  presence: CustomEvent<{ type: 'presence'; userId: string; username: string; state: 'online' | 'away' | 'offline'; lastSeenAt: number; at: number }>;
  read: CustomEvent<{ conversationId: string; readSeq: number; unread: number }>;
  receipt: CustomEvent<{ type: 'read' | 'delivered'; conversationId: string; [k: string]: unknown }>;
  conversation: CustomEvent<{ kind: 'added' | 'removed' | 'muted'; conversation?: Conversation; conversationId?: string; muted?: boolean }>;
  session: CustomEvent<{ session: Session | null }>;
  signedout: CustomEvent<{ reason: Error | null }>;
  error: CustomEvent<{ error: ParleyError }>;
  summary: CustomEvent<{ conversationId: string }>;
  event: CustomEvent<{ type: string; conversationId?: string; [k: string]: unknown }>;
}

export interface Typer { userId: string; username: string }
export interface Member { userId: string; username: string; role: string; readSeq: number; deliveredSeq: number }
export interface Summary { info: Conversation; unread: number; unreadMentions: number; lastMessage: Message | undefined }

export interface ParleyClientOptions {
  baseUrl?: string; fetch?: typeof fetch; EventBus?: any; requestTimeoutMs?: number; busOptions?: object;
  /** a saved session; with sessionStore, the store's session is used when this is absent */
  session?: TokenPair | Session;
  /** shares the session between tabs (browserSessionStore(localStorage, navigator.locks)) */
  sessionStore?: SessionStore;
  /** keeps unsent messages across reloads (localStorage), under parley.outbox.<tenant>.<userId> */
  storage?: StorageLike;
  /** silence on the socket after which it is taken for dead and reopened; default 7500, 0: never */
  heartbeatTimeoutMs?: number;
  /** where `online`/`offline` fire; default window (none in Node) */
  network?: EventTarget;
  /** the XMLHttpRequest for uploads (default the global; null: use fetch) */
  XMLHttpRequest?: any;
}

export class ParleyClient extends EventTarget {
  constructor(opts?: ParleyClientOptions);
  readonly session: Session | null;
  readonly state: ConnectionState | 'offline';
  readonly conversations: Map<string, { info: Conversation; log: ConversationLog }>;
  readonly outbox: Outbox;
  readonly tokens: TokenManager;
  addEventListener<K extends keyof ParleyEventMap>(type: K, listener: (ev: ParleyEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject | null, options?: boolean | AddEventListenerOptions): void;
  api<T = any>(method: string, path: string, body?: object, auth?: boolean): Promise<T>;
  register(creds: { tenant: string; username: string; password: string }): Promise<{ userId: string; tenant: string; username: string }>;
  login(creds: { tenant: string; username: string; password: string }): Promise<Session>;
  logout(): Promise<void>;
  connect(): Promise<void>;
  disconnect(): void;
  request<T = any>(address: string, body: object): Promise<T>;
  handleEvent(event: { type: string; [k: string]: any }): void;
  sync(): Promise<unknown>;
  /** `attachments`: records from upload() (or ids); `text` may be empty with attachments */
  send(conversationId: string, text: string, extra?: { threadOf?: string; attachments?: (Attachment | string)[] }): OutboxEntry;
  /** POST multipart `file` to /api/conversations/:id/attachments; rejects with a ParleyError (FILE_INFECTED, UNSUPPORTED_FILE_TYPE, PAYLOAD_TOO_LARGE, ABORTED, NETWORK, …) */
  upload(conversationId: string, file: Blob | ArrayBuffer | ArrayBufferView, opts?: {
    onProgress?: (p: { loaded: number; total: number }) => void; signal?: AbortSignal; name?: string; contentType?: string;
  }): Promise<Attachment>;
  /** the bytes (or the preview) with the token, e.g. for URL.createObjectURL */
  fetchAttachment(attachmentId: string, opts?: { thumbnail?: boolean; signal?: AbortSignal }): Promise<Blob>;
  retry(clientMsgId: string): OutboxEntry | undefined;
  editFailed(clientMsgId: string, text: string): OutboxEntry | undefined;
  discard(clientMsgId: string): boolean;
  messages(conversationId: string): { messages: Message[]; pending: OutboxEntry[] };
  loadOlder(conversationId: string, limit?: number): Promise<{ messages: Message[]; hasOlder: boolean }>;
  edit(messageId: string, text: string, clientChangeId?: string): Promise<Message>;
  delete(messageId: string, clientChangeId?: string): Promise<Message>;
  react(messageId: string, emoji: string): Promise<Message>;
  unreact(messageId: string, emoji: string): Promise<Message>;
  markRead(conversationId: string, seq?: number): Promise<{ conversationId: string; readSeq: number; unread: number } | undefined>;
  typing(conversationId: string): void;
  stopTyping(conversationId: string): void;
  typers(conversationId: string): Typer[];
  /** parley.rooms.members once per conversation, then kept current from read/delivered events */
  members(conversationId: string): Promise<Member[]>;
  /** members other than me with readSeq ≥ seq, as held (empty before members() loaded) */
  seenBy(conversationId: string, seq: number): Typer[];
  summary(conversationId: string): Summary | undefined;
  summaries(): Summary[];
  /** newest message (history, limit 1) of those with none held; at most 4 requests at a time */
  loadPreviews(conversationIds?: string[]): Promise<void>;
  presence(userIds: string[]): Promise<Record<string, { state: 'online' | 'away' | 'offline'; lastSeenAt: number }>>;
  setAway(away: boolean): Promise<{ state: string }>;
}

/** The account half of ParleyClient (REST, tokens, attachments), exported for applications that need no socket. */
export class AccountClient extends EventTarget {
  constructor(opts?: ParleyClientOptions);
  readonly session: Session | null;
  readonly tokens: TokenManager;
  api<T = any>(method: string, path: string, body?: object, auth?: boolean): Promise<T>;
  register(creds: { tenant: string; username: string; password: string }): Promise<{ userId: string; tenant: string; username: string }>;
  login(creds: { tenant: string; username: string; password: string }): Promise<Session>;
  logout(): Promise<void>;
  upload: ParleyClient['upload'];
  fetchAttachment: ParleyClient['fetchAttachment'];
}

/** Runs `onSilence` when touch() is not called for `timeoutMs` (0: never). */
export const FIRST_HEARTBEAT_MS: number;
export function allowedSilence(timeoutMs: number, firstAfterMs: number): number;
export class Watchdog {
  constructor(timeoutMs: number, onSilence: () => void);
  touch(ms?: number): void; stop(): void;
}
export class TypingTracker {
  constructor(onLapse: (conversationId: string, change: { userId: string; username: string; typing: false }) => void);
  typers(conversationId: string): Typer[];
  update(event: { conversationId: string; userId: string; username?: string; typing: boolean; expiresInMs?: number }): boolean;
  remove(conversationId: string, userId: string): Typer | undefined;
  clear(): void;
}
export class TypingSender {
  constructor(send: (conversationId: string, typing: boolean) => void);
  typing(conversationId: string): void; stop(conversationId: string): void; clear(): void;
}
export class Receipts {
  constructor(request: (address: string, body: object) => Promise<any>);
  members(conversationId: string): Promise<Member[]>;
  cached(conversationId: string): Member[] | undefined;
  seenBy(conversationId: string, seq: number, me?: string): Typer[];
  onRead(event: { conversationId: string; userId: string; readSeq: number }): void;
  onDelivered(event: { conversationId: string; positions: Record<string, number> }): void;
  onMessage(conversationId: string, message: Message): void;
  invalidate(conversationId: string): void;
  drop(conversationId: string): void;
}
export class Summaries {
  reset(info: Conversation): void;
  summary(c: { info: Conversation; log: ConversationLog }): Summary;
  hasLast(conversationId: string): boolean;
}
