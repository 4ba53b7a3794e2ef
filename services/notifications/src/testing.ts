import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type NotificationEvent } from '@todo/core';
import { createTokens, type SessionCheck } from '@todo/server';
import { openEventStream, serveForTests } from '@todo/server/testing';
import { pino } from 'pino';
import { afterAll } from 'vitest';
import { createNotificationsApp } from './app.ts';
import { createSqliteNotificationStore } from './store/sqlite.ts';
import type { NotificationStore } from './store/store.ts';
import type { DispatchOptions } from './webhooks/dispatcher.ts';

export type { Frame, Reply } from '@todo/server/testing';

export const APP_TOKEN = 'test-app-token';

/** A reminder.due event for `owner`. */
export function reminderEvent(owner: string, title = 'Pay rent', id = randomUUID()): NotificationEvent {
  const taskId = randomUUID();
  return {
    id,
    type: 'reminder.due',
    time: '2026-11-24T09:00:00.000Z',
    subject: taskId,
    version: 2,
    data: {
      owner,
      taskId,
      reminderId: 'r1',
      title,
      fireAt: '2026-11-24T09:00:00.000Z',
      due: { date: '2026-11-24', time: '10:00' },
    },
  };
}

/**
 * Serves the notifications app as the embedded profile would (SQLite in memory, the system clock) on a
 * free port, with daprd's subscription routes and quick webhook retries; closed after the file.
 */
export async function testApi(
  opts: {
    webhooks?: DispatchOptions;
    heartbeatMs?: number;
    sessions?: SessionCheck;
    sessionCheckMs?: number;
    streamPollMs?: number;
    /** Another replica's store handle (the same database); a fresh in-memory one by default. */
    store?: NotificationStore;
  } = {},
) {
  const store = opts.store ?? createSqliteNotificationStore(':memory:');
  const logger = pino({ level: 'silent' });
  const tokens = createTokens('test-secret-test-secret-test-secret!');
  const notifications = createNotificationsApp({
    store,
    clock: systemClock,
    logger,
    tokens,
    heartbeatMs: opts.heartbeatMs ?? 15_000,
    ...(opts.sessions ? { sessions: opts.sessions } : {}),
    ...(opts.sessionCheckMs ? { sessionCheckMs: opts.sessionCheckMs } : {}),
    ...(opts.streamPollMs ? { streamPollMs: opts.streamPollMs } : {}),
    webhooks: {
      // The test receivers are plain http on loopback: both allowances, as documented (off by default).
      allowInternal: true,
      requireHttps: false,
      retryScheduleMs: [20, 40, 80, 160, 320],
      jitter: 0,
      pollMs: 20,
      timeoutMs: 500,
      ...opts.webhooks,
    },
    subscriptions: { appApiToken: APP_TOKEN },
  });
  notifications.start();
  const { base, call, close } = await serveForTests(notifications.app.callback());
  afterAll(async () => {
    await notifications.stop();
    await close();
    await store.close();
  });

  /** A new user: their id and a bearer token (naming session `sid` when given). */
  async function user(sid?: string): Promise<{ id: string; token: string }> {
    const id = randomUUID();
    return { id, token: await tokens.sign({ id, tz: 'Europe/Berlin', ...(sid ? { sid } : {}) }) };
  }

  /** Delivers an event as daprd does: a CloudEvent with the event as data. */
  function deliver(event: unknown, appToken = APP_TOKEN) {
    return call('POST', '/events/reminders', {
      body: JSON.stringify({
        specversion: '1.0',
        id: randomUUID(),
        source: 'workflows',
        type: 'x',
        data: event,
      }),
      headers: { 'content-type': 'application/cloudevents+json', 'dapr-api-token': appToken },
    });
  }

  const stream = (opts: StreamOptions = {}) => openStream(base, opts);

  return { call, user, deliver, stream, store, base, notifications, tokens };
}

export interface StreamOptions {
  token?: string;
  /** Sent as the session cookie (as the web app's EventSource does). */
  cookie?: string;
  query?: string;
  lastEventId?: string;
}

/** Opens the owner's notification stream (see openEventStream). */
export function openStream(base: string, opts: StreamOptions = {}) {
  return openEventStream(`${base}/api/notifications/stream${opts.query ?? ''}`, {
    ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
    ...(opts.cookie ? { cookie: `todo_session=${opts.cookie}` } : {}),
    ...(opts.lastEventId ? { 'last-event-id': opts.lastEventId } : {}),
  });
}

export interface Received {
  path: string;
  at: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP endpoint for the webhooks: each path answers as its handler says and records the call. */
export async function receiver(routes: Record<string, (n: number, res: ServerResponse) => void>) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      received.push({ path, at: Date.now(), headers: req.headers, body });
      const handle = routes[path] ?? ((_n, r) => r.writeHead(404).end());
      handle(received.filter((r) => r.path === path).length, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });
  return {
    url: (path: string) => base + path,
    received: (path: string) => received.filter((r) => r.path === path),
  };
}
