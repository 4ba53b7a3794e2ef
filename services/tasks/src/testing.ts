import { fixedClock, type WorkflowInspector } from '@todo/core';
import { pino } from 'pino';
import { afterAll } from 'vitest';
import { createApp } from './app.ts';
import { createTokens, localBus } from '@todo/server';
import { serveForTests } from '@todo/server/testing';
import { createHistoryConsumer } from './history/consumer.ts';
import { createRelay } from './outbox/relay.ts';
import { createSqliteStore } from './store/sqlite.ts';
import type { AuthLimits } from './auth/throttle.ts';
import type { Quotas } from './tasks/routes.ts';

/** The access token lifetime of the test app (the default of ACCESS_TOKEN_TTL_SECONDS). */
export const ACCESS_TTL_SECONDS = 900;

/**
 * Serves the app as the embedded profile wires it (SQLite in memory, the relay to the in-process activity
 * log, a fixed clock) on a free port for API tests; closed after the file. Call `relay.drain()` to
 * deliver pending events.
 */
export async function testApi(
  opts: {
    previewPerMinute?: number;
    appApiToken?: string;
    workflows?: WorkflowInspector;
    auth?: AuthLimits;
    quotas?: Quotas;
  } = {},
) {
  const store = createSqliteStore(':memory:');
  const clock = fixedClock('2026-11-24T10:00:00Z');
  const logger = pino({ level: 'silent' });
  const relay = createRelay({
    store,
    logger,
    publisher: localBus('task-events', [createHistoryConsumer({ store, logger })]),
  });
  const app = createApp({
    store,
    clock,
    logger,
    // Tokens read the same clock: a test moves time past a token's 15 minutes instead of waiting.
    tokens: createTokens('test-secret-test-secret-test-secret!', ACCESS_TTL_SECONDS, () => clock.now()),
    previewPerMinute: opts.previewPerMinute ?? 1000,
    subscriptions: { appApiToken: opts.appApiToken ?? 'test-app-token' },
    internal: { appApiToken: opts.appApiToken ?? 'test-app-token' },
    ...(opts.workflows ? { workflows: opts.workflows } : {}),
    ...(opts.auth ? { auth: opts.auth } : {}),
    ...(opts.quotas ? { quotas: opts.quotas } : {}),
  });
  const { base, call, close } = await serveForTests(app.callback());
  afterAll(async () => {
    await close();
    await store.close();
  });

  let n = 0;
  /** Signs up a fresh account and answers its access token. */
  async function signup(tz = 'Europe/Berlin'): Promise<string> {
    return (await signupWithRefresh(tz)).token;
  }
  /** Signs up a fresh account and answers sign-up's whole answer (access and refresh tokens). */
  async function signupWithRefresh(tz = 'Europe/Berlin') {
    const r = await call('POST', '/api/auth/signup', {
      body: { email: `user${++n}-${Date.now()}@example.com`, password: 'correct horse', tz },
    });
    if (r.status !== 201) throw new Error(`signup failed: ${JSON.stringify(r.body)}`);
    return r.body as { token: string; expiresAt: string; refreshToken: string; refreshExpiresAt: string };
  }

  /** The owner id a token acts for (its subject). */
  const ownerOf = (token: string): string =>
    JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sub;

  /** The session a token names (its sid claim). */
  const sidOf = (token: string): string =>
    JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid;

  return { call, signup, signupWithRefresh, ownerOf, sidOf, store, clock, base, relay };
}
