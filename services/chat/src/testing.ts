import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixedClock } from '@todo/core';
import { createTokens } from '@todo/server';
import { createApp, createSqliteStore } from '@todo/tasks';
import { pino } from 'pino';
import { afterAll } from 'vitest';
import { createChatApp } from './app.ts';
import { createSqliteKeyValue } from './conversation/kv.sqlite.ts';
import type { LlmConfig } from './llm/adapter.ts';
import { createTasksClient } from './tasks/client.ts';

export interface Reply {
  status: number;
  body: any;
}

/** Serves a handler on a free port of 127.0.0.1; closed after the test file. */
export async function serve(handler: RequestListener): Promise<string> {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/**
 * A real tasks app and a chat app, each on its own free port (SQLite in memory, one fixed clock:
 * 2026-11-24 10:00 UTC, a Tuesday), talking over HTTP as they do in the stack.
 */
export async function testChat(opts: { llm?: Omit<LlmConfig, 'timeoutMs'> & { timeoutMs?: number } } = {}) {
  const clock = fixedClock('2026-11-24T10:00:00Z');
  const logger = pino({ level: 'silent' });
  const tokens = createTokens('test-secret-test-secret-test-secret!');
  const store = createSqliteStore(':memory:');
  const kv = createSqliteKeyValue(':memory:');
  afterAll(async () => {
    await store.close();
    await kv.close();
  });
  const tasksBase = await serve(createApp({ store, clock, logger, tokens }).callback());
  const chatBase = await serve(
    createChatApp({
      tokens,
      tasks: createTasksClient({ baseUrl: tasksBase }),
      kv,
      clock,
      logger,
      ...(opts.llm ? { llm: { timeoutMs: 2000, ...opts.llm } } : {}),
    }).callback(),
  );

  async function call(
    base: string,
    method: string,
    path: string,
    { body, token }: { body?: unknown; token?: string } = {},
  ): Promise<Reply> {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text,
    };
  }

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
    chat: (method: string, path: string, o?: { body?: unknown; token?: string }) =>
      call(chatBase, method, path, o),
    tasks: (method: string, path: string, o?: { body?: unknown; token?: string }) =>
      call(tasksBase, method, path, o),
  };
}
