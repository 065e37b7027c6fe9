export * from './accounts.js';
export * from './chats.js';
export * from './common.js';
export * from './errors.js';
export * from './local-models.js';
export * from './model-configs.js';
export * from './providers.js';
