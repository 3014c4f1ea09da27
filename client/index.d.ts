// Types of @parley/client (hand-written; see README.md and docs/PROTOCOL.md of Parley).

export interface Message {
  id: string; conversationId: string; seq: number; senderId: string; senderName: string;
  clientMsgId: string; text?: string; createdAt: number;
  editedAt?: number; deleted?: boolean; deletedAt?: number;
  threadOf?: string; threadSeq?: number; replyCount?: number; lastReplyAt?: number;
  mentions?: { userId: string; username: string }[]; broadcast?: 'here' | 'all';
  reactions?: { emoji: string; count: number; users: { userId: string; username: string }[] }[];
  attachments?: object[]; duplicate?: boolean;
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
  clientMsgId: string; conversationId: string; text: string; threadOf?: string; attachments?: string[];
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
  add(draft: { conversationId: string; text?: string; threadOf?: string; attachments?: string[] }, clientMsgId?: string): OutboxEntry;
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

export interface Clock { now(): number; setTimeout(fn: () => void, ms: number): unknown; clearTimeout(id: unknown): void }
export class TokenManager {
  constructor(opts: { refresh: (refreshToken: string) => Promise<TokenPair>; onChange?: (s: Session | null) => void; onExpired?: (err: Error) => void; clock?: Clock; retryMs?: number });
  static refreshDelay(ttlMs: number): number;
  readonly session: Session | null;
  readonly accessToken: string | undefined;
  set(pair: TokenPair | Session): Session;
  refresh(): Promise<Session>;
  fresh(marginMs?: number): Promise<string>;
  clear(): void;
}

export type ConnectionState = 'offline' | 'connecting' | 'registering' | 'online' | 'reconnecting';
export function loadEventBus(given?: unknown): Promise<any>;
export class Connection {
  constructor(opts: {
    url: string; EventBus: any; inbox: string; token: () => Promise<string>;
    onEvent: (event: any) => void; onState: (state: ConnectionState, info?: object) => void;
    onInboxError?: (err: ParleyError) => void; requestTimeoutMs?: number; options?: object;
  });
  readonly state: ConnectionState; readonly isOpen: boolean;
  open(): void; markReady(): void; presentToken(token: string): void;
  request<T = any>(address: string, body: object, timeoutMs?: number): Promise<T>;
  close(): void;
}

export interface ParleyEventMap {
  state: CustomEvent<{ state: ConnectionState; info?: object }>;
  ready: CustomEvent<{ conversations: Conversation[]; node?: string }>;
  message: CustomEvent<{ conversationId: string; message: Message }>;
  changed: CustomEvent<{ conversationId: string; changeSeq: number; kind: Change['kind']; message: Message; emoji?: string; userId?: string }>;
  outbox: CustomEvent<{ entry: OutboxEntry }>;
  typing: CustomEvent<{ type: 'typing'; conversationId: string; userId: string; username: string; typing: boolean; expiresInMs: number }>;
  presence: CustomEvent<{ type: 'presence'; userId: string; username: string; state: 'online' | 'away' | 'offline'; lastSeenAt: number; at: number }>;
  read: CustomEvent<{ conversationId: string; readSeq: number; unread: number }>;
  receipt: CustomEvent<{ type: 'read' | 'delivered'; conversationId: string; [k: string]: unknown }>;
  conversation: CustomEvent<{ kind: 'added' | 'removed' | 'muted'; conversation?: Conversation; conversationId?: string; muted?: boolean }>;
  session: CustomEvent<{ session: Session | null }>;
  signedout: CustomEvent<{ reason: Error | null }>;
  error: CustomEvent<{ error: ParleyError }>;
  event: CustomEvent<{ type: string; conversationId?: string; [k: string]: unknown }>;
}

export class ParleyClient extends EventTarget {
  constructor(opts?: { baseUrl?: string; fetch?: typeof fetch; EventBus?: any; requestTimeoutMs?: number; session?: TokenPair | Session; busOptions?: object });
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
  send(conversationId: string, text: string, extra?: { threadOf?: string; attachments?: string[] }): OutboxEntry;
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
  presence(userIds: string[]): Promise<Record<string, { state: 'online' | 'away' | 'offline'; lastSeenAt: number }>>;
  setAway(away: boolean): Promise<{ state: string }>;
}
