export * from './accounts.js';
export * from './chats.js';
export * from './operations.js';
export * from './providers.js';
export * from './shares.js';
