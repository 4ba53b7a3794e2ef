import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type NotificationEvent } from '@todo/core';
import { createTokens } from '@todo/server';
import { pino } from 'pino';
import { afterAll } from 'vitest';
import { createNotificationsApp } from './app.ts';
import { createSqliteNotificationStore } from './store/sqlite.ts';
import type { DispatchOptions } from './webhooks/dispatcher.ts';

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

export interface Frame {
  id?: string;
  event?: string;
  data?: any;
  comment?: string;
}

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
export async function testApi(opts: { webhooks?: DispatchOptions; heartbeatMs?: number } = {}) {
  const store = createSqliteNotificationStore(':memory:');
  const logger = pino({ level: 'silent' });
  const tokens = createTokens('test-secret-test-secret-test-secret!');
  const notifications = createNotificationsApp({
    store,
    clock: systemClock,
    logger,
    tokens,
    heartbeatMs: opts.heartbeatMs ?? 15_000,
    webhooks: {
      allowInternal: true,
      baseDelayMs: 20,
      pollMs: 20,
      timeoutMs: 500,
      ...opts.webhooks,
    },
    subscriptions: { appApiToken: APP_TOKEN },
  });
  notifications.start();
  const server = createServer(notifications.app.callback());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  afterAll(async () => {
    await notifications.stop();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await store.close();
  });

  async function call(
    method: string,
    path: string,
    { body, token, headers = {} }: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const isJson = res.headers.get('content-type')?.includes('json');
    return { status: res.status, headers: res.headers, body: isJson && text ? JSON.parse(text) : text };
  }

  /** A new user: their id and a bearer token. */
  async function user(): Promise<{ id: string; token: string }> {
    const id = randomUUID();
    return { id, token: await tokens.sign({ id, tz: 'Europe/Berlin' }) };
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
  query?: string;
  lastEventId?: string;
}

/** Opens an SSE stream and collects its frames; `next()` waits for the next frame of `kind`. */
export async function openStream(base: string, opts: StreamOptions = {}) {
  const abort = new AbortController();
  const res = await fetch(`${base}/api/notifications/stream${opts.query ?? ''}`, {
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.lastEventId ? { 'last-event-id': opts.lastEventId } : {}),
    },
    signal: abort.signal,
  });
  const frames: Frame[] = [];
  let ended = false;
  let notify: () => void = () => {};
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            frames.push(parseFrame(buffer.slice(0, end)));
            buffer = buffer.slice(end + 2);
            notify();
          }
        }
      } catch {
        // aborted
      }
      ended = true;
      notify();
    })();
  }
  let read = 0;
  /** The next frame (after those already taken) that matches, within `ms`. */
  async function next(
    match: (f: Frame) => boolean = (f) => f.event !== undefined,
    ms = 2000,
  ): Promise<Frame> {
    const until = Date.now() + ms;
    for (;;) {
      while (read < frames.length) {
        const f = frames[read++]!;
        if (match(f)) return f;
      }
      if (ended) throw new Error('the stream ended');
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no frame within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        notify = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }
  return {
    res,
    frames,
    next,
    ended: () => ended,
    /** The events (frames with an event name) received so far. */
    events: () => frames.filter((f) => f.event !== undefined),
    close: () => abort.abort(),
  };
}

function parseFrame(text: string): Frame {
  const f: Frame = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) f.comment = line.slice(1).trim();
    else if (line.startsWith('id: ')) f.id = line.slice(4);
    else if (line.startsWith('event: ')) f.event = line.slice(7);
    else if (line.startsWith('data: ')) f.data = JSON.parse(line.slice(6));
  }
  return f;
}
