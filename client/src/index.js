export { ParleyClient } from './client.js';
export { ConversationLog } from './conversation-log.js';
export { Outbox, newClientMsgId } from './outbox.js';
export { TokenManager } from './tokens.js';
export { Connection, loadEventBus } from './connection.js';
export { ParleyError, codeOf, toParleyError, isTransient, TRANSIENT_CODES } from './errors.js';
