import { randomUUID } from 'node:crypto';
import { systemClock } from '@todo/core';
import { createTokens } from '@todo/server';
import { serveForTests } from '@todo/server/testing';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { createNotificationsApp } from '../app.ts';
import { createSqliteNotificationStore } from '../store/sqlite.ts';

describe('webhook quota per owner', async () => {
  const store = createSqliteNotificationStore(':memory:');
  const tokens = createTokens('test-secret-test-secret-test-secret!');
  const notifications = createNotificationsApp({
    store,
    clock: systemClock,
    logger: pino({ level: 'silent' }),
    tokens,
    webhooks: { allowInternal: true, requireHttps: false },
    webhooksPerOwner: 2,
  });
  const { call, close } = await serveForTests(notifications.app.callback());
  afterAll(async () => {
    await close();
    await store.close();
  });
  const owner = () => tokens.sign({ id: randomUUID(), tz: 'UTC' });
  const add = (token: string) =>
    call('POST', '/api/webhooks', { token, body: { url: 'http://127.0.0.1:9/hook' } });

  it('takes the configured number, then answers 409 TOO_MANY_WEBHOOKS; one deleted makes room', async () => {
    const token = await owner();
    const first = await add(token);
    expect([first.status, (await add(token)).status]).toEqual([201, 201]);
    const third = await add(token);
    expect(third.status).toBe(409);
    expect(third.body.error).toMatchObject({
      code: 'TOO_MANY_WEBHOOKS',
      message: 'at most 2 webhooks per user',
    });
    expect((await add(await owner())).status).toBe(201);
    await call('DELETE', `/api/webhooks/${first.body.id}`, { token });
    expect((await add(token)).status).toBe(201);
  });
});
