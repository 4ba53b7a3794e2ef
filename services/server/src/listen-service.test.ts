import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import Router from '@koa/router';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceApp } from './app.ts';
import { requireAppToken } from './dapr.ts';
import { isPublicPath, listenService } from './listen.ts';
import { apiCaller } from './testing.ts';

const logger = pino({ level: 'silent' });

/** An app shaped like the services: a public route, health, and daprd-only routes behind the app token. */
function app(appApiToken: string | undefined) {
  const router = new Router();
  router.get('/healthz', (ctx) => void (ctx.body = { status: 'ok' }));
  router.get('/api/things', (ctx) => void (ctx.body = { things: [] }));
  router.get('/internal/things', requireAppToken(appApiToken), (ctx) => void (ctx.body = { all: [] }));
  router.post(
    '/events/task-events',
    requireAppToken(appApiToken),
    (ctx) => void (ctx.body = { status: 'SUCCESS' }),
  );
  return serviceApp(router, { logger, jsonLimit: '1kb' }).callback();
}

const opened: Server[] = [];
async function serve(appApiToken: string | undefined) {
  const { server, internal } = await listenService(app(appApiToken), {
    port: 0,
    host: '127.0.0.1',
    internal: { port: 0, host: '127.0.0.1' },
    logger,
    close: async () => {},
  });
  opened.push(server, internal!);
  const base = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
  return {
    pub: apiCaller(base(server)),
    internal: apiCaller(base(internal!)),
    port: (server.address() as AddressInfo).port,
  };
}
afterAll(() => Promise.all(opened.map((s) => new Promise((r) => s.close(r)))));

describe('listenService', () => {
  it('serves only the API and the health checks on the public listener', async () => {
    const { pub } = await serve('app-token');
    expect((await pub('GET', '/api/things')).status).toBe(200);
    expect((await pub('GET', '/healthz')).status).toBe(200);
    for (const [method, path] of [
      ['GET', '/internal/things'],
      ['POST', '/events/task-events'],
      ['GET', '/dapr/subscribe'],
    ] as const) {
      const res = await pub(method, path, { headers: { 'dapr-api-token': 'app-token' } });
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('ROUTE_NOT_FOUND');
    }
  });

  it('takes an absolute-form request target as its path, and still keeps the internal routes off', async () => {
    const { port } = await serve('app-token');
    const send = (target: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`),
        );
        let text = '';
        socket.on('data', (c: Buffer) => (text += c));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    expect(await send(`http://127.0.0.1:${port}/api/things?x=1`)).toMatch(
      /^HTTP\/1\.1 200 [\s\S]*"things":\[\]/,
    );
    expect(await send(`http://127.0.0.1:${port}/internal/things`)).toMatch(
      /^HTTP\/1\.1 404 [\s\S]*ROUTE_NOT_FOUND/,
    );
  });

  it('serves every route on the internal listener, the daprd-only ones with the app token only', async () => {
    const { internal } = await serve('app-token');
    expect((await internal('GET', '/api/things')).status).toBe(200);
    expect((await internal('GET', '/internal/things')).status).toBe(401);
    expect(
      (await internal('GET', '/internal/things', { headers: { 'dapr-api-token': 'wrong' } })).status,
    ).toBe(401);
    const ok = await internal('GET', '/internal/things', { headers: { 'dapr-api-token': 'app-token' } });
    expect(ok.status).toBe(200);
  });

  it.each([
    ['unset', undefined],
    ['empty', ''],
  ])('refuses every daprd-only call when the app token is %s', async (_, token) => {
    const { internal } = await serve(token);
    for (const header of [{}, { 'dapr-api-token': '' }, { 'dapr-api-token': 'anything' }] as Record<
      string,
      string
    >[]) {
      const res = await internal('GET', '/internal/things', { headers: header });
      expect(res.status).toBe(401);
      expect(res.body.error.message).toMatch(/no app API token/);
      expect((await internal('POST', '/events/task-events', { body: {}, headers: header })).status).toBe(401);
    }
  });
});

describe('isPublicPath', () => {
  it.each([
    ['/api', true],
    ['/api/tasks?q=x', true],
    ['/api/calendar.ics?token=t', true],
    ['/healthz', true],
    ['/readyz?x', true],
    ['/internal/tasks', false],
    ['/apix', false],
    ['/healthzz', false],
    ['/events/task-events', false],
    ['/reconcile-cron', false],
    ['/dapr/subscribe', false],
    ['http://host/internal/tasks', false],
    ['/', false],
  ])('%s → %s', (url, expected) => {
    expect(isPublicPath(url)).toBe(expected);
  });
});
