// Fail closed, least privilege (issue 14; docs/decisions/0036 and 0037), against the real sidecars: each
// app's own tokens, access control per operation, topic scopes, secret scopes, and the daprd-only routes
// that live on an internal listener and refuse every call without the app's token, also when it has none.
import { randomBytes } from 'node:crypto';
import { invoke } from '@todo/server/sidecar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppSpec } from '../../deploy/local/apps.ts';
import { stackPorts } from '../../deploy/local/ports.ts';
import { attachApps, type AttachedApps } from '../../deploy/local/stack.ts';
import { daprHeaders, daprUrl, invokeVia, stack } from './helpers.ts';

/** Status and body text, the body read so the connection is free again. */
async function answer(res: Promise<Response>): Promise<{ status: number; text: string }> {
  const r = await res;
  return { status: r.status, text: await r.text() };
}

describe('service invocation: each caller, only the operations it needs', () => {
  it("chat's sidecar cannot invoke a tasks /internal route, nor a public one it does not use", async () => {
    for (const path of ['/internal/live', '/internal/tasks', '/internal/owners/someone']) {
      const res = await answer(invokeVia('chat', 'tasks', path));
      expect(res.status, path).toBe(403);
      expect(res.text, path).toMatch(/access control policy|not allowed|denied/i);
    }
    const signup = await answer(
      invokeVia('chat', 'tasks', '/api/auth/signup', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    expect(signup.status).toBe(403);
    // The task routes chat calls pass access control and meet the app's own check (no bearer: 401).
    expect((await answer(invokeVia('chat', 'tasks', '/api/tasks'))).status).toBe(401);
  });

  it('workflows reaches /internal/*, search only its reindex read, and no app reaches what it does not call', async () => {
    expect((await answer(invokeVia('workflows', 'tasks', '/internal/live?limit=1'))).status).toBe(200);
    expect((await answer(invokeVia('search', 'tasks', '/internal/tasks?limit=1'))).status).toBe(200);
    expect((await answer(invokeVia('search', 'tasks', '/internal/live?limit=1'))).status).toBe(403);
    expect((await answer(invokeVia('workflows', 'tasks', '/api/tasks'))).status).toBe(403);
    expect((await answer(invokeVia('notifications', 'tasks', '/api/tasks'))).status).toBe(403);
    // The other apps' Configurations: chat may not ask workflows to inspect, nor the web app anything.
    const inspect = { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"refs":[]}' };
    expect(
      (await answer(invokeVia('chat', 'workflows', '/internal/workflows/inspect', inspect))).status,
    ).toBe(403);
    expect(
      (await answer(invokeVia('tasks', 'workflows', '/internal/workflows/inspect', inspect))).status,
    ).toBe(200);
    expect(
      (await answer(invokeVia('tasks', 'chat', '/api/chat', { method: 'POST', body: '{}' }))).status,
    ).toBe(403);
    expect((await answer(invokeVia('chat', 'web', '/healthz'))).status).toBe(403);
  });

  it("one app's Dapr API token does not open another app's sidecar", async () => {
    const res = await fetch(daprUrl('tasks', '/v1.0/metadata'), { headers: daprHeaders('chat') });
    expect(res.status).toBe(401);
    await res.body?.cancel();
  });
});

describe('pub/sub: topics scoped to their publishers and subscribers', () => {
  const publish = (via: string, topic: string) =>
    answer(
      fetch(daprUrl(via, `/v1.0/publish/pubsub/${topic}`), {
        method: 'POST',
        headers: daprHeaders(via, { 'content-type': 'application/json' }),
        body: JSON.stringify({ probe: 'perimeter' }),
      }),
    );

  it('an app cannot publish to a topic it is not scoped for', async () => {
    // tasks publishes task-events only (and its dead letters); reminders are the workflow worker's.
    const reminders = await publish('tasks', 'reminders');
    expect(reminders.status).toBe(403);
    expect(reminders.text).toMatch(/ERR_PUBSUB_FORBIDDEN|not allowed/i);
    // notifications consumes reminders and publishes nothing but its dead letters.
    expect((await publish('notifications', 'task-events')).status).toBe(403);
    // No app may make up a topic.
    expect((await publish('workflows', 'perimeter-made-up')).status).toBe(403);
    // chat and the web app do not load the pub/sub component at all.
    for (const app of ['chat', 'web']) {
      const res = await publish(app, 'task-events');
      expect(res.status, app).toBeGreaterThanOrEqual(400);
      expect(res.text, app).toMatch(/ERR_PUBSUB_NOT_FOUND|not found|not configured/i);
    }
    // What a scope names passes: a dead-letter topic, which nothing consumes.
    expect((await publish('tasks', 'task-events-dlq')).status).toBe(204);
  });

  it('each subscriber is subscribed to its own topics only', async () => {
    const topicsOf = async (app: string) => {
      const res = await fetch(daprUrl(app, '/v1.0/metadata'), { headers: daprHeaders(app) });
      const meta = (await res.json()) as { subscriptions?: { topic: string }[] };
      return (meta.subscriptions ?? []).map((s) => s.topic).sort();
    };
    // Each consumer drains its own dead letters back (decision 0032).
    expect(await topicsOf('notifications')).toEqual(['reminders', 'reminders-dlq']);
    expect(await topicsOf('search')).toEqual(['task-events', 'task-events-dlq']);
    expect(await topicsOf('chat')).toEqual([]);
  });
});

describe('secrets: denied unless the app needs them', () => {
  const read = (via: string, key: string) =>
    answer(fetch(daprUrl(via, `/v1.0/secrets/secretstore/${key}`), { headers: daprHeaders(via) }));

  it('an app cannot read a secret it is not allowed', async () => {
    for (const app of ['workflows', 'web', 'stack-probe']) {
      const res = await read(app, 'jwt-signing-key');
      expect(res.status, app).toBe(403);
      expect(res.text, app).not.toMatch(/jwt-signing-key"\s*:/);
    }
    expect((await read('tasks', 'redis-password')).status).toBe(403);
    expect((await read('notifications', 'llm-api-key')).status).toBe(403);
    // The apps that check tokens read the key.
    for (const app of ['tasks', 'chat', 'notifications', 'search']) {
      expect((await read(app, 'jwt-signing-key')).status, app).toBe(200);
    }
  });
});

describe('daprd-only routes: on the internal listener, with the app token', () => {
  const routes: Record<string, { method: string; path: string }> = {
    tasks: { method: 'GET', path: '/internal/live?limit=1' },
    search: { method: 'POST', path: '/internal/reindex' },
    workflows: { method: 'POST', path: '/internal/workflows/inspect' },
    notifications: { method: 'POST', path: '/events/reminders' },
  };
  const call = (port: number, route: { method: string; path: string }, token?: string) =>
    answer(
      fetch(`http://127.0.0.1:${port}${route.path}`, {
        method: route.method,
        headers: { 'content-type': 'application/json', ...(token ? { 'dapr-api-token': token } : {}) },
        ...(route.method === 'POST' ? { body: '{"refs":[]}' } : {}),
      }),
    );

  it("tasks' daprd loads the purge-cron binding, and only the app token runs the sweep", async () => {
    const s = stack();
    const metadata = await fetch(daprUrl('tasks', '/v1.0/metadata'), { headers: daprHeaders('tasks') });
    const { components } = (await metadata.json()) as { components: { name: string; type: string }[] };
    expect(components).toContainEqual(expect.objectContaining({ name: 'purge-cron', type: 'bindings.cron' }));
    const sweep = { method: 'POST', path: '/purge-cron' };
    expect((await call(s.internalPorts['tasks']!, sweep)).status).toBe(401);
    expect((await call(s.apps['tasks']!, sweep, s.tokens['tasks']!.appApiToken)).status).toBe(404);
    const ran = await call(s.internalPorts['tasks']!, sweep, s.tokens['tasks']!.appApiToken);
    expect(ran.status).toBe(200);
    expect(JSON.parse(ran.text)).toEqual({ purged: expect.any(Number), forgotten: expect.any(Number) });
  });

  it('a request to an internal route without the token is refused, and the public port does not serve it', async () => {
    const s = stack();
    for (const [app, route] of Object.entries(routes)) {
      const internal = s.internalPorts[app]!;
      const anonymous = await call(internal, route);
      expect(anonymous.status, app).toBe(401);
      expect(JSON.parse(anonymous.text).error.code, app).toBe('UNAUTHORIZED');
      // Another app's app token is not this app's.
      expect((await call(internal, route, s.tokens['chat']!.appApiToken)).status, app).toBe(401);
      // The public listener answers as if the route did not exist, token or not.
      const pub = await call(s.apps[app]!, route, s.tokens[app]!.appApiToken);
      expect(pub.status, app).toBe(404);
      expect(JSON.parse(pub.text).error.code, app).toBe('ROUTE_NOT_FOUND');
    }
    // With its own token the internal listener serves it.
    expect(
      (await call(s.internalPorts['tasks']!, routes['tasks']!, s.tokens['tasks']!.appApiToken)).status,
    ).toBe(200);
    // The public API is on both listeners: other apps invoke it through daprd's app port.
    for (const port of [s.apps['tasks']!, s.internalPorts['tasks']!]) {
      expect((await call(port, { method: 'GET', path: '/api/tasks' })).status).toBe(401);
    }
  });

  describe('an app started without APP_API_TOKEN', () => {
    const APP_ID = 'tasks-untokened';
    let attached: AttachedApps;
    let ports: { public: number; internal: number };
    beforeAll(async () => {
      const s = stack();
      const p = stackPorts(s.portBase);
      ports = { public: p.app(31), internal: p.appInternal(31) };
      const app = {
        name: APP_ID,
        command: process.execPath,
        args: ['services/tasks/src/server.ts'],
        port: ports.public,
        internalPort: ports.internal,
        env: {
          PORT: String(ports.public),
          MONGO_URL: s.mongo.url,
          MONGO_DB: 'perimeter-untokened',
          JWT_SECRET: randomBytes(32).toString('base64url'),
          // Neither the app nor its daprd has an app token: before issue 14 this let every call in.
          APP_API_TOKEN: '',
        },
        health: '/healthz',
        dapr: { env: { APP_API_TOKEN: '' } },
      } satisfies AppSpec;
      // Its sidecar takes the slot after the tests' probe app.
      attached = await attachApps(
        { ...s, sidecars: { ...s.sidecars, 'retry-probe': s.probes.retryProbe.sidecar } },
        [app],
      );
    }, 120_000);
    afterAll(() => attached?.stop());

    it('refuses every daprd-only call, through its daprd and on its internal port, with any token', async () => {
      const sidecar = attached.sidecars[APP_ID]!;
      const token = attached.tokens[APP_ID]!;
      // daprd calls its own app (no access control on a self-invocation), with no app token to send.
      const viaDaprd = await answer(
        invoke(
          { http: `http://127.0.0.1:${sidecar.http}`, apiToken: token.daprApiToken },
          APP_ID,
          '/internal/live?limit=1',
        ),
      );
      expect(viaDaprd.status).toBe(401);
      expect(viaDaprd.text).toMatch(/no app API token/);
      for (const given of [undefined, '', 'guess', token.appApiToken]) {
        const res = await call(ports.internal, routes['tasks']!, given);
        expect(res.status, String(given)).toBe(401);
        const delivery = await call(ports.internal, { method: 'POST', path: '/events/task-events' }, given);
        expect(delivery.status, String(given)).toBe(401);
      }
      // Its public API still answers.
      expect((await call(ports.public, { method: 'GET', path: '/healthz' })).status).toBe(200);
    });
  });
});
