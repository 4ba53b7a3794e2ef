import Router from '@koa/router';
import type { Clock } from '@todo/core';
import {
  healthRoutes,
  mount,
  openApiDocument,
  requireAuth,
  serviceApp,
  type SessionCheck,
  type TokenIssuer,
} from '@todo/server';
import type Koa from 'koa';
import type { Logger } from 'pino';
import { createEngine } from './chat/engine.ts';
import { chatEndpoints } from './chat/routes.ts';
import type { KeyValue } from './conversation/kv.ts';
import { createConversations } from './conversation/state.ts';
import { createLlmResponder, type LlmConfig } from './llm/adapter.ts';
import type { TasksClientFactory } from './tasks/client.ts';

export interface ChatDeps {
  /** Verifies the same bearer tokens the tasks service issues. */
  tokens: TokenIssuer;
  /** The tasks API (Dapr service invocation, or this process's own origin when embedded). */
  tasks: TasksClientFactory;
  /** Conversation state: the Dapr state store, or SQLite when embedded. */
  kv: KeyValue;
  clock: Clock;
  logger: Logger;
  /** Set to let an OpenAI-compatible model choose the tools; the engine answers when it fails. */
  llm?: LlmConfig;
  /** Where the task store is at hand (the embedded process): sessions are checked on use here too. */
  sessions?: SessionCheck;
  /** Messages per owner a minute (default 30; 0: no limit). */
  turnsPerMinute?: number;
}

/** Builds the chat's Koa app; server.ts (or the embedded profile) serves it. */
export function createChatApp({
  tokens,
  tasks,
  kv,
  clock,
  logger,
  llm,
  sessions,
  turnsPerMinute = 30,
}: ChatDeps): Koa {
  const engine = createEngine({ clock });
  const endpoints = chatEndpoints({
    engine,
    conversations: createConversations(kv),
    tasks,
    clock,
    turnsPerMinute,
    ...(llm ? { llm: createLlmResponder(llm, { engine, logger }) } : {}),
  });
  const openapi = openApiDocument(endpoints, { title: 'todo-chatbot chat API', version: '0.1.0' });

  const router = new Router();
  // Ready once the conversation store answers: a read of a key no conversation has (they are chat|…).
  healthRoutes(router, {
    ping: async () => void (await kv.get('readyz')),
    logger,
    what: 'conversation store',
  });
  router.get('/api/chat/openapi.json', (ctx) => {
    ctx.body = openapi;
  });
  mount(router, endpoints, requireAuth(tokens, sessions));

  // A message is at most 4,000 characters: 16 kB of JSON leaves room for escapes, and a 10 kB message
  // still reaches the schema and gets a 400 naming `message`.
  return serviceApp(router, { logger, jsonLimit: '16kb' });
}
