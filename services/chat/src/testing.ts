import type { RequestListener } from 'node:http';
import { fixedClock } from '@todo/core';
import { createTokens, localBus } from '@todo/server';
import { apiCaller, serveForTests, type CallOptions } from '@todo/server/testing';
import { createEmbeddedIndex, createSearchApp } from '@todo/search';
import { createApp, createRelay, createSqliteStore, sessionCheck } from '@todo/tasks';
import { pino } from 'pino';
import { afterAll } from 'vitest';
import { createChatApp } from './app.ts';
import type { KeyValue } from './conversation/kv.ts';
import { createSqliteKeyValue } from './conversation/kv.sqlite.ts';
import type { LlmConfig } from './llm/adapter.ts';
import { createTasksClient } from './tasks/client.ts';

/** Serves a handler on a free port of 127.0.0.1, closed after the test file; answers its origin. */
export async function serve(handler: RequestListener): Promise<string> {
  const served = await serveForTests(handler);
  afterAll(served.close);
  return served.base;
}

/**
 * A real tasks app, search app and chat app, each on its own free port (SQLite in memory, one fixed clock:
 * 2026-11-24 10:00 UTC, a Tuesday), talking over HTTP as they do in the stack; the tasks' events reach the
 * search index through the outbox relay.
 */
export async function testChat(
  opts: {
    llm?: Omit<LlmConfig, 'timeoutMs'> & { timeoutMs?: number };
    /** Check sessions in the chat too, on the task store, as the embedded process can. */
    sessions?: boolean;
    /** Messages per owner a minute (default: no limit). */
    turnsPerMinute?: number;
  } = {},
) {
  const clock = fixedClock('2026-11-24T10:00:00Z');
  const logger = pino({ level: 'silent' });
  const tokens = createTokens('test-secret-test-secret-test-secret!');
  const store = createSqliteStore(':memory:');
  const stored = createSqliteKeyValue(':memory:');
  // A save can be made to lose its race once, as when another tab wrote the conversation in between.
  let loseNextSave = false;
  const kv: KeyValue = {
    get: (key) => stored.get(key),
    set: (key, value, etag) => {
      if (!loseNextSave) return stored.set(key, value, etag);
      loseNextSave = false;
      return Promise.resolve(false);
    },
    close: () => stored.close(),
  };
  afterAll(async () => {
    await store.close();
    await kv.close();
  });
  const search = createSearchApp({ index: createEmbeddedIndex(), clock, logger, tokens, sources: {} });
  const relay = createRelay({ store, logger, publisher: localBus('task-events', [search.consume]) });
  afterAll(() => relay.stop());
  const tasksBase = await serve(createApp({ store, clock, logger, tokens, onWrite: relay.wake }).callback());
  const searchBase = await serve(search.app.callback());
  const chatBase = await serve(
    createChatApp({
      tokens,
      tasks: createTasksClient({ baseUrl: tasksBase, searchUrl: searchBase }),
      kv,
      clock,
      logger,
      ...(opts.llm ? { llm: { timeoutMs: 2000, ...opts.llm } } : {}),
      ...(opts.sessions ? { sessions: sessionCheck(store, clock) } : {}),
      turnsPerMinute: opts.turnsPerMinute ?? 0,
    }).callback(),
  );

  const call = (base: string, method: string, path: string, o?: CallOptions) =>
    apiCaller(base)(method, path, o);

  let n = 0;
  /** Signs up a fresh account on the tasks service and answers its token. */
  async function signup(tz = 'Europe/Berlin'): Promise<string> {
    const r = await call(tasksBase, 'POST', '/api/auth/signup', {
      body: { email: `chat${++n}-${Date.now()}@example.com`, password: 'correct horse', tz },
    });
    if (r.status !== 201) throw new Error(`signup failed: ${JSON.stringify(r.body)}`);
    return r.body.token as string;
  }

  /** A conversation as one owner: each say() continues it and checks the answer is a 200. */
  function conversation(token: string) {
    let id: string | undefined;
    return {
      get id() {
        return id;
      },
      async say(message: string) {
        const r = await call(chatBase, 'POST', '/api/chat', {
          token,
          body: { message, ...(id ? { conversationId: id } : {}) },
        });
        if (r.status !== 200) throw new Error(`${message}: ${r.status} ${JSON.stringify(r.body)}`);
        id = r.body.conversationId;
        return r.body;
      },
    };
  }

  return {
    clock,
    signup,
    conversation,
    /** The next conversation save fails as a lost race (409 CONVERSATION_CHANGED), after the turn acted. */
    loseNextSave() {
      loseNextSave = true;
    },
    chat: apiCaller(chatBase),
    tasks: apiCaller(tasksBase),
  };
}
