import { fixedClock } from '@todo/core';
import { createTokens } from '@todo/server';
import { expectErrorLog } from '@todo/server/testing';
import { pino } from 'pino';
import { expect, it } from 'vitest';
import { createChatApp } from './app.ts';
import { createSqliteKeyValue } from './conversation/kv.sqlite.ts';
import { createTasksClient } from './tasks/client.ts';
import { serve } from './testing.ts';

const tokens = createTokens('test-secret-test-secret-test-secret!');
// Port 1 on loopback: nothing listens there, so every call to the tasks API fails to connect.
const base = await serve(
  createChatApp({
    tokens,
    tasks: createTasksClient({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 2000 }),
    kv: createSqliteKeyValue(':memory:'),
    clock: fixedClock('2026-11-24T10:00:00Z'),
    logger: pino({ level: 'silent' }),
  }).callback(),
);
const token = await tokens.sign({ id: 'owner-1', tz: 'Europe/Berlin' });

it('says the task service is not answering with a 502 in the error shape', async () => {
  // A 5xx is logged for the operator: here the task service is down on purpose.
  expectErrorLog('the task service is not answering');
  const res = await fetch(`${base}/api/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'buy milk' }),
  });
  expect(res.status).toBe(502);
  expect(((await res.json()) as any).error).toMatchObject({
    code: 'TASKS_UNAVAILABLE',
    message: 'the task service is not answering: try again in a moment',
  });
});

it('answers without the tasks API when nothing needs it, and publishes its OpenAPI document', async () => {
  const res = await fetch(`${base}/api/chat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'help' }),
  });
  expect(res.status).toBe(200);
  expect(((await res.json()) as any).actions).toEqual([]);
  const doc = (await (await fetch(`${base}/api/chat/openapi.json`)).json()) as any;
  expect(Object.keys(doc.paths)).toEqual(['/api/chat', '/api/chat/{conversationId}']);
});

it('is live at /healthz, and ready at /readyz only while its conversation store answers', async () => {
  const kv = createSqliteKeyValue(':memory:');
  const chat = await serve(
    createChatApp({
      tokens,
      tasks: createTasksClient({ baseUrl: 'http://127.0.0.1:1' }),
      kv,
      clock: fixedClock('2026-11-24T10:00:00Z'),
      logger: pino({ level: 'silent' }),
    }).callback(),
  );
  expect(await (await fetch(`${chat}/healthz`)).json()).toEqual({ status: 'ok' });
  expect(await (await fetch(`${chat}/readyz`)).json()).toEqual({ status: 'ready' });
  await kv.close();
  const down = await fetch(`${chat}/readyz`);
  expect(down.status).toBe(503);
  expect(await down.json()).toEqual({
    status: 'unavailable',
    reason: 'the conversation store does not answer',
  });
  expect((await fetch(`${chat}/healthz`)).status).toBe(200);
});
