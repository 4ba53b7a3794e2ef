import { createHmac } from 'node:crypto';
import { systemClock } from '@todo/core';
import { createTokens } from '@todo/server';
import { pino } from 'pino';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { createNotificationsApp } from '../app.ts';
import { newNotification } from '../inbox/notification.ts';
import { createSqliteNotificationStore } from '../store/sqlite.ts';
import { receiver, reminderEvent, testApi } from '../testing.ts';
import { pointsInside, systemResolve, type Resolve } from './address.ts';
import { RETRY_SCHEDULE_MS, retryDelay, standardHeaders } from './dispatcher.ts';
import { recordNotification } from '../store/store.ts';

const api = await testApi({ webhooks: { timeoutMs: 1000 } });
const hooks = await receiver({
  '/ok': (_n, res) => res.writeHead(204).end(),
  '/flaky': (n, res) => res.writeHead(n === 1 ? 500 : 200).end(),
  '/down': (_n, res) => res.writeHead(503).end(),
  '/hang': () => {},
  // Down for a whole round of tries (six), then up again.
  '/recovering': (n, res) => res.writeHead(n <= 6 ? 502 : 200).end(),
});

async function addWebhook(token: string, path: string) {
  const r = await api.call('POST', '/api/webhooks', { token, body: { url: hooks.url(path) } });
  expect(r.status).toBe(201);
  return r.body as { id: string; url: string; secret: string; createdAt: string };
}

async function deliveries(token: string, webhookId: string) {
  const r = await api.call('GET', `/api/webhooks/${webhookId}/deliveries`, { token });
  expect(r.status).toBe(200);
  return r.body.deliveries as {
    id: string;
    eventId: string;
    status: string;
    attempts: number;
    log: { status?: number; error?: string }[];
  }[];
}

describe('webhooks', () => {
  it('makes a webhook with a secret shown once, lists it without, and removes it', async () => {
    const alice = await api.user();
    const made = await addWebhook(alice.token, '/ok');
    expect(made).toEqual({
      id: expect.any(String),
      url: hooks.url('/ok'),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
      createdAt: expect.any(String),
    });
    const listed = await api.call('GET', '/api/webhooks', { token: alice.token });
    expect(listed.body).toEqual({ webhooks: [{ id: made.id, url: made.url, createdAt: made.createdAt }] });
    expect((await api.call('DELETE', `/api/webhooks/${made.id}`, { token: alice.token })).status).toBe(204);
    expect((await api.call('GET', '/api/webhooks', { token: alice.token })).body).toEqual({ webhooks: [] });
    expect((await api.call('DELETE', `/api/webhooks/${made.id}`, { token: alice.token })).status).toBe(404);
  });

  it('signs each notification as Standard Webhooks says, with the time, and as before with X-Signature', async () => {
    const alice = await api.user();
    const hook = await addWebhook(alice.token, '/ok');
    const event = reminderEvent(alice.id, 'Signed');
    await api.deliver(event);
    await api.deliver(event);
    await expect
      .poll(() => hooks.received('/ok').filter((r) => r.headers['x-event-id'] === event.id))
      .toHaveLength(1);
    const [call] = hooks.received('/ok').filter((r) => r.headers['x-event-id'] === event.id);
    const expected = `sha256=${createHmac('sha256', hook.secret).update(call!.body).digest('hex')}`;
    expect(call!.headers['x-signature']).toBe(expected);
    // The reference verifier accepts it with the secret as shown, and refuses it once it is too old.
    const headers = call!.headers as Record<string, string>;
    expect(headers['webhook-id']).toBe(event.id);
    expect(Number(headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
    expect(new StandardWebhook(hook.secret).verify(call!.body, headers)).toEqual(event);
    expect(() => new StandardWebhook(hook.secret).verify(`${call!.body} `, headers)).toThrow(/signature/);
    const replayed = standardHeaders(hook.secret, event.id, new Date(Date.now() - 10 * 60_000), call!.body);
    expect(() => new StandardWebhook(hook.secret).verify(call!.body, replayed)).toThrow(/too old/);
    expect(call!.headers['content-type']).toBe('application/json');
    expect(call!.headers['x-webhook-id']).toBe(hook.id);
    expect(JSON.parse(call!.body)).toEqual(event);
    await expect.poll(async () => (await deliveries(alice.token, hook.id))[0]?.status).toBe('delivered');
    expect(await deliveries(alice.token, hook.id)).toEqual([
      expect.objectContaining({
        eventId: event.id,
        status: 'delivered',
        attempts: 1,
        log: [expect.objectContaining({ status: 204 })],
      }),
    ]);
    // Even a redelivery after it was sent queues nothing new.
    await api.deliver(event);
    expect(await deliveries(alice.token, hook.id)).toHaveLength(1);
  });

  it('retries an endpoint that failed (500 then 200) and logs each try', async () => {
    const alice = await api.user();
    const hook = await addWebhook(alice.token, '/flaky');
    await api.deliver(reminderEvent(alice.id));
    await expect.poll(async () => (await deliveries(alice.token, hook.id))[0]?.status).toBe('delivered');
    const [d] = await deliveries(alice.token, hook.id);
    expect(d!.attempts).toBe(2);
    expect(d!.log.map((a) => a.status)).toEqual([500, 200]);
    const tries = hooks.received('/flaky');
    expect(tries.map((r) => r.headers['x-delivery-attempt'])).toEqual(['1', '2']);
    expect(tries[0]!.headers['x-signature']).toBe(tries[1]!.headers['x-signature']);
  });

  it('gives up after a bounded number of tries, backing off between them', async () => {
    const alice = await api.user();
    const hook = await addWebhook(alice.token, '/down');
    await api.deliver(reminderEvent(alice.id));
    await expect
      .poll(async () => (await deliveries(alice.token, hook.id))[0]?.status, { timeout: 5000 })
      .toBe('failed');
    const [d] = await deliveries(alice.token, hook.id);
    expect(d!.attempts).toBe(6);
    expect(d!.log.map((a) => a.status)).toEqual([503, 503, 503, 503, 503, 503]);
    // 20, 40, 80, 160, 320 ms apart at least (base 20 ms, doubling).
    const at = hooks.received('/down').map((r) => r.at);
    const gaps = at.slice(1).map((t, i) => t - at[i]!);
    gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(20 * 2 ** i - 5));
  });

  it('redelivers a failed delivery on request, with a fresh round of tries', async () => {
    const alice = await api.user();
    const hook = await addWebhook(alice.token, '/recovering');
    const event = reminderEvent(alice.id);
    await api.deliver(event);
    await expect
      .poll(async () => (await deliveries(alice.token, hook.id))[0]?.status, { timeout: 5000 })
      .toBe('failed');
    const [failed] = await deliveries(alice.token, hook.id);
    const path = `/api/webhooks/${hook.id}/deliveries/${encodeURIComponent(failed!.id)}/redeliver`;
    const bob = await api.user();
    expect((await api.call('POST', path, { token: bob.token })).status).toBe(404);
    const unknown = await api.call('POST', `/api/webhooks/${hook.id}/deliveries/nope/redeliver`, {
      token: alice.token,
    });
    expect(unknown.body.error.code).toBe('DELIVERY_NOT_FOUND');
    const again = await api.call('POST', path, { token: alice.token });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ id: failed!.id, status: 'pending', attempts: 6 });
    await expect.poll(async () => (await deliveries(alice.token, hook.id))[0]?.status).toBe('delivered');
    const [d] = await deliveries(alice.token, hook.id);
    expect(d!.log.map((a) => a.status)).toEqual([502, 502, 502, 502, 502, 502, 200]);
    expect(hooks.received('/recovering').map((r) => r.headers['webhook-id'])).toEqual(
      Array(7).fill(event.id),
    );
    const twice = await api.call('POST', path, { token: alice.token });
    expect(twice.status).toBe(202);
    // Queued now and not yet tried, or tried already: a second request meanwhile is refused.
    const racing = await api.call('POST', path, { token: alice.token });
    expect([202, 409]).toContain(racing.status);
    if (racing.status === 409) expect(racing.body.error.code).toBe('DELIVERY_PENDING');
  });

  it('times out a hanging endpoint without delaying the delivery to another one', async () => {
    const alice = await api.user();
    const hanging = await addWebhook(alice.token, '/hang');
    const healthy = await addWebhook(alice.token, '/ok');
    // The hanging endpoint takes its tries of earlier events first.
    const events = [1, 2, 3].map((i) => reminderEvent(alice.id, `burst ${i}`));
    const sent = Date.now();
    for (const e of events) await api.deliver(e);
    await expect
      .poll(() => hooks.received('/ok').filter((r) => events.some((e) => e.id === r.headers['x-event-id'])))
      .toHaveLength(3);
    const last = Math.max(
      ...hooks
        .received('/ok')
        .filter((r) => events.some((e) => e.id === r.headers['x-event-id']))
        .map((r) => r.at),
    );
    expect(last - sent).toBeLessThan(500);
    await expect
      .poll(async () => (await deliveries(alice.token, hanging.id)).some((d) => d.log.length > 0), {
        timeout: 3000,
      })
      .toBe(true);
    const tried = (await deliveries(alice.token, hanging.id)).find((d) => d.log.length > 0)!;
    expect(tried.log[0]).toMatchObject({ error: 'timed out after 1000 ms' });
    expect(tried.status).toBe('pending');
    expect((await deliveries(alice.token, healthy.id)).every((d) => d.status === 'delivered')).toBe(true);
    await api.call('DELETE', `/api/webhooks/${hanging.id}`, { token: alice.token });
  });

  it("keeps owners apart: no delivery to another owner's webhook, no access to its log", async () => {
    const alice = await api.user();
    const bob = await api.user();
    const alices = await addWebhook(alice.token, '/ok');
    const bobsEvent = reminderEvent(bob.id);
    await api.deliver(bobsEvent);
    const alicesEvent = reminderEvent(alice.id);
    await api.deliver(alicesEvent);
    await expect
      .poll(() => hooks.received('/ok').filter((r) => r.headers['x-event-id'] === alicesEvent.id))
      .toHaveLength(1);
    expect(hooks.received('/ok').filter((r) => r.headers['x-event-id'] === bobsEvent.id)).toEqual([]);
    expect((await deliveries(alice.token, alices.id)).map((d) => d.eventId)).toEqual([alicesEvent.id]);
    const peek = await api.call('GET', `/api/webhooks/${alices.id}/deliveries`, { token: bob.token });
    expect(peek.status).toBe(404);
    expect(peek.body.error.code).toBe('WEBHOOK_NOT_FOUND');
    expect((await api.call('GET', '/api/webhooks', { token: bob.token })).body).toEqual({ webhooks: [] });
    expect((await api.call('DELETE', `/api/webhooks/${alices.id}`, { token: bob.token })).status).toBe(404);
  });

  it('answers bad input with a 4xx that says what and where', async () => {
    const alice = await api.user();
    const post = (body: unknown) => api.call('POST', '/api/webhooks', { token: alice.token, body });
    for (const url of [
      'ftp://example.com/hook',
      'not a url',
      'javascript:alert(1)',
      'https://user:pw@example.com/',
    ]) {
      const r = await post({ url });
      expect(r.status, url).toBe(400);
      expect(r.body.error.details[0].path, url).toBe('url');
    }
    expect((await post({})).body.error.details).toEqual([{ path: 'url', issue: expect.any(String) }]);
    expect((await post({ url: hooks.url('/ok'), events: ['x'] })).body.error.details).toEqual([
      { path: 'events', issue: 'unknown field' },
    ]);
    const text = await api.call('POST', '/api/webhooks', {
      token: alice.token,
      body: 'url=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    expect(
      (await api.call('GET', '/api/webhooks/x/deliveries?limit=1000', { token: alice.token })).status,
    ).toBe(400);
    for (let i = 0; i < 10; i++) await addWebhook(alice.token, '/ok');
    const eleventh = await post({ url: hooks.url('/ok') });
    expect(eleventh.status).toBe(409);
    expect(eleventh.body.error.code).toBe('TOO_MANY_WEBHOOKS');
  });
});

describe('retry schedule', () => {
  it('spans hours, spreads each wait by the jitter, and ends', () => {
    expect(RETRY_SCHEDULE_MS.reduce((a, b) => a + b, 0)).toBeGreaterThan(24 * 3_600_000);
    expect(retryDelay(RETRY_SCHEDULE_MS, 1, 0.2, () => 0)).toBe(4_000);
    expect(retryDelay(RETRY_SCHEDULE_MS, 1, 0.2, () => 0.5)).toBe(5_000);
    expect(retryDelay(RETRY_SCHEDULE_MS, 4, 0.2, () => 0.999_999)).toBe(Math.round(7_200_000 * 1.2 - 2.88));
    expect(retryDelay(RETRY_SCHEDULE_MS, 7, 0, Math.random)).toBe(36_000_000);
    expect(retryDelay(RETRY_SCHEDULE_MS, 8, 0.2, Math.random)).toBeNull();
    const spread = new Set(
      Array.from({ length: 50 }, () => retryDelay(RETRY_SCHEDULE_MS, 2, 0.2, Math.random)),
    );
    expect(spread.size).toBeGreaterThan(40);
    for (const wait of spread) expect(wait! >= 240_000 && wait! <= 360_000).toBe(true);
  });
});

describe('webhook safety and durability', () => {
  it('knows internal addresses', async () => {
    for (const host of [
      '127.0.0.1',
      '10.1.2.3',
      '192.168.0.10',
      '169.254.169.254',
      '[::1]',
      'localhost',
      '[::ffff:127.0.0.1]',
    ]) {
      expect(await pointsInside(new URL(`http://${host}/`)), host).toBe(true);
    }
    for (const host of ['93.184.215.14', '[2606:2800:21f:cb07:6820:80da:af6b:8b2c]']) {
      expect(await pointsInside(new URL(`http://${host}/`)), host).toBe(false);
    }
  });

  it('refuses webhooks to internal addresses unless allowed', async () => {
    const strict = await testApi({ webhooks: { allowInternal: false } });
    const alice = await strict.user();
    const r = await strict.call('POST', '/api/webhooks', {
      token: alice.token,
      body: { url: 'http://127.0.0.1:3500/v1.0/publish' },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([{ path: 'url', issue: expect.stringContaining('public address') }]);
  });

  it('refuses at connect time a name that resolves to a reserved address by then (DNS rebinding)', async () => {
    let lookups = 0;
    // Public when the webhook is made, loopback (where the receiver listens) when the try connects.
    const rebinding: Resolve = async (host) =>
      host === 'rebind.test'
        ? [{ address: lookups++ === 0 ? '93.184.215.14' : '127.0.0.1', family: 4 }]
        : systemResolve(host);
    const strict = await testApi({ webhooks: { allowInternal: false, resolve: rebinding } });
    const alice = await strict.user();
    const url = new URL(hooks.url('/rebound'));
    url.hostname = 'rebind.test';
    const made = await strict.call('POST', '/api/webhooks', { token: alice.token, body: { url: url.href } });
    expect(made.status).toBe(201);
    await strict.deliver(reminderEvent(alice.id));
    const log = async () =>
      (await strict.call('GET', `/api/webhooks/${made.body.id}/deliveries`, { token: alice.token })).body
        .deliveries[0]?.log ?? [];
    await expect.poll(async () => (await log()).length).toBeGreaterThan(0);
    expect((await log())[0]).toMatchObject({
      error: 'refused: rebind.test resolves to a reserved address (127.0.0.1)',
    });
    expect(lookups).toBeGreaterThanOrEqual(2);
    expect(hooks.received('/rebound')).toEqual([]);
  });

  it('connects to the address its checked lookup answered: a local receiver, with the explicit allowance', async () => {
    // receiver.test is known to this resolver only: the try can reach the receiver through it alone.
    const local: Resolve = async (host) =>
      host === 'receiver.test' ? [{ address: '127.0.0.1', family: 4 }] : systemResolve(host);
    const allowed = await testApi({ webhooks: { allowInternal: true, resolve: local } });
    const alice = await allowed.user();
    const url = new URL(hooks.url('/ok'));
    url.hostname = 'receiver.test';
    const made = await allowed.call('POST', '/api/webhooks', { token: alice.token, body: { url: url.href } });
    expect(made.status).toBe(201);
    const event = reminderEvent(alice.id);
    await allowed.deliver(event);
    await expect
      .poll(() => hooks.received('/ok').filter((r) => r.headers['x-event-id'] === event.id))
      .toHaveLength(1);
    expect(hooks.received('/ok').find((r) => r.headers['x-event-id'] === event.id)!.headers.host).toBe(
      url.host,
    );
  });

  it('requires https outside the embedded profile, and checks a literal address at connect time too', async () => {
    const stack = await testApi({ webhooks: { allowInternal: false, requireHttps: true } });
    const alice = await stack.user();
    const plain = await stack.call('POST', '/api/webhooks', {
      token: alice.token,
      body: { url: 'http://example.com/hook' },
    });
    expect(plain.status).toBe(400);
    expect(plain.body.error.details).toEqual([{ path: 'url', issue: 'must be an https:// URL' }]);
    // Webhooks made before these rules: each try is refused before anything is sent.
    const old = (id: string, url: string) => ({
      id,
      owner: alice.id,
      url,
      secret: `whsec_${Buffer.alloc(32, 3).toString('base64')}`,
      createdAt: new Date().toISOString(),
    });
    const port = new URL(hooks.url('/ok')).port;
    await stack.store.createWebhook(old(`plain-${alice.id}`, `http://127.0.0.1:${port}/ok`));
    await stack.store.createWebhook(old(`literal-${alice.id}`, `https://127.0.0.1:${port}/ok`));
    await stack.store.createWebhook(old(`mapped-${alice.id}`, `https://[::ffff:169.254.169.254]/`));
    const event = reminderEvent(alice.id);
    await stack.deliver(event);
    const error = async (id: string) =>
      (await stack.call('GET', `/api/webhooks/${id}/deliveries`, { token: alice.token })).body.deliveries[0]
        ?.log[0]?.error;
    await expect.poll(() => error(`plain-${alice.id}`)).toBe('refused: not an https:// URL');
    await expect.poll(() => error(`literal-${alice.id}`)).toBe('refused: 127.0.0.1 is a reserved address');
    await expect
      .poll(() => error(`mapped-${alice.id}`))
      .toBe('refused: ::ffff:a9fe:a9fe is a reserved address');
    expect(hooks.received('/ok').filter((r) => r.headers['x-event-id'] === event.id)).toEqual([]);
  });

  it('sends after a restart what was queued before a crash', async () => {
    const logger = pino({ level: 'silent' });
    const store = createSqliteNotificationStore(':memory:');
    const tokens = createTokens('test-secret-test-secret-test-secret!');
    const hook = {
      id: 'w1',
      owner: 'alice',
      url: hooks.url('/ok'),
      secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      createdAt: new Date().toISOString(),
    };
    await store.createWebhook(hook);
    const event = reminderEvent('alice', 'queued before the crash');
    const now = Date.now();
    // What the consumer wrote before the process died: the notification and its queued delivery.
    await recordNotification(store, newNotification(event, new Date(now)), [
      {
        id: `${event.id}:w1`,
        webhookId: 'w1',
        owner: 'alice',
        eventId: event.id,
        body: JSON.stringify(event),
        nextAttemptAt: now,
        createdAt: new Date(now).toISOString(),
      },
    ]);
    const restarted = createNotificationsApp({
      store,
      clock: systemClock,
      logger,
      tokens,
      webhooks: { allowInternal: true, requireHttps: false, pollMs: 20 },
    });
    restarted.start();
    try {
      await expect
        .poll(() => hooks.received('/ok').filter((r) => r.headers['x-event-id'] === event.id))
        .toHaveLength(1);
      await expect
        .poll(async () => (await store.listDeliveries('alice', 'w1', 10))[0]?.status)
        .toBe('delivered');
    } finally {
      await restarted.stop();
      await store.close();
    }
  });
});
