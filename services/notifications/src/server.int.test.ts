import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { createTokens } from '@todo/server';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openStream, reminderEvent } from './testing.ts';

// server.ts as the stack runs it: MongoDB (FerretDB here), the JWT key from the Dapr secret store, and
// deliveries from daprd. The sidecar is a stand-in that answers the calls server.ts makes: its health, the
// key, and each token's session, which the tasks app (here: the stand-in) finds live.
const JWT_KEY = 'k'.repeat(48);
const sidecarCalls: { url: string; headers: IncomingHttpHeaders }[] = [];
const sidecar = createServer((req, res) => {
  sidecarCalls.push({ url: req.url ?? '', headers: req.headers });
  if (req.url === '/v1.0/healthz/outbound') return void res.writeHead(204).end();
  if (req.url === '/v1.0/secrets/secretstore/jwt-signing-key') {
    return void res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ 'jwt-signing-key': JWT_KEY }));
  }
  const session = /^\/v1\.0\/invoke\/tasks\/method\/internal\/sessions\/([^/?]+)\?owner=(.+)$/.exec(
    req.url ?? '',
  );
  if (session) {
    return void res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ principal: { id: session[2], tz: 'Europe/Berlin', sid: session[1] } }));
  }
  res.writeHead(404).end();
});

let child: ChildProcess;
let base = '';
/** The internal listener, daprd's app port: the subscription list and the deliveries. */
let internal = '';
let exited: Promise<number | null>;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

beforeAll(async () => {
  await new Promise<void>((r) => sidecar.listen(0, '127.0.0.1', r));
  const port = await freePort();
  const internalPort = await freePort();
  base = `http://127.0.0.1:${port}`;
  internal = `http://127.0.0.1:${internalPort}`;
  child = spawn(process.execPath, [join(import.meta.dirname, 'server.ts')], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      INTERNAL_PORT: String(internalPort),
      MONGO_URL: inject('mongoUrl'),
      MONGO_DB: `notifications-server-${randomUUID().slice(0, 8)}`,
      DAPR_HTTP_ENDPOINT: `http://127.0.0.1:${(sidecar.address() as AddressInfo).port}`,
      DAPR_API_TOKEN: 'dapr-token',
      APP_API_TOKEN: 'app-token',
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  for (let i = 0; i < 200; i++) {
    const ok = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server.ts did not become ready');
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await new Promise((r) => sidecar.close(r));
});

describe('server.ts (dapr profile)', () => {
  it('reads its signing key from the secret store with the Dapr API token', () => {
    const read = sidecarCalls.find((c) => c.url.startsWith('/v1.0/secrets/'));
    expect(read?.headers['dapr-api-token']).toBe('dapr-token');
  });

  it('takes a reminder from daprd into the inbox and the open stream once, on MongoDB', async () => {
    expect((await fetch(`${base}/dapr/subscribe`)).status).toBe(404);
    const bulkSubscribe = { enabled: true, maxMessagesCount: 50, maxAwaitDurationMs: 50 };
    expect(await (await fetch(`${internal}/dapr/subscribe`)).json()).toEqual([
      {
        pubsubname: 'pubsub',
        topic: 'reminders',
        route: '/events/reminders',
        deadLetterTopic: 'reminders-dlq',
        bulkSubscribe,
      },
      {
        pubsubname: 'pubsub',
        topic: 'reminders-dlq',
        route: '/events/reminders/dead-letters',
        deadLetterTopic: 'reminders-dlq',
        bulkSubscribe,
      },
    ]);
    const owner = randomUUID();
    const token = await createTokens(JWT_KEY).sign({ id: owner, tz: 'Europe/Berlin', sid: 's-1' });
    const stream = await openStream(base, { query: `?token=${token}` });
    expect(stream.res.status).toBe(200);
    const event = reminderEvent(owner, 'From Kafka');
    const deliver = (appToken: string, on = internal) =>
      fetch(`${on}/events/reminders`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json', 'dapr-api-token': appToken },
        body: JSON.stringify({ specversion: '1.0', id: randomUUID(), source: 'workflows', data: event }),
      });
    expect((await deliver('wrong')).status).toBe(401);
    // The public port does not take deliveries, not even with the token.
    expect((await deliver('app-token', base)).status).toBe(404);
    for (let i = 0; i < 2; i++)
      expect(await (await deliver('app-token')).json()).toEqual({ status: 'SUCCESS' });
    expect((await stream.next()).data).toMatchObject({ id: event.id, title: 'From Kafka' });
    const inbox = await fetch(`${base}/api/notifications`, { headers: { authorization: `Bearer ${token}` } });
    expect(
      ((await inbox.json()) as { notifications: { id: string }[] }).notifications.map((n) => n.id),
    ).toEqual([event.id]);
    expect(stream.events()).toHaveLength(1);
    // The token's session was asked of the tasks app, through daprd with this app's Dapr token.
    const asked = sidecarCalls.find((c) => c.url.includes('/internal/sessions/s-1?owner='));
    expect(asked?.headers['dapr-api-token']).toBe('dapr-token');

    // SIGTERM with a stream open: the stream is ended and the process exits cleanly.
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    await expect.poll(() => stream.ended()).toBe(true);
  });
});
