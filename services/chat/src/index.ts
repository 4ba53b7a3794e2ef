export { createChatApp, type ChatDeps } from './app.ts';
export { loadEnv, llmFromEnv, type Env } from './env.ts';
export { parse, parseConfirmation } from './parse/index.ts';
export { createTasksClient } from './tasks/client.ts';
export { createSqliteKeyValue } from './conversation/kv.sqlite.ts';
export { createDaprKeyValue } from './conversation/kv.dapr.ts';
export type { KeyValue } from './conversation/kv.ts';
export type { LlmConfig } from './llm/adapter.ts';
