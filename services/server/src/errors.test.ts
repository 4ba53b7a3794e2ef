import { request } from 'node:http';
import Router from '@koa/router';
import type { Context } from 'koa';
import { AppError, NotFoundError } from '@todo/core';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serviceApp } from './app.ts';
import { parseInput } from './errors.ts';
import { expectErrorLog, serveForTests } from './testing.ts';

// Every error log line the app writes, to check what the 500s keep for the operator.
const logged: { msg: string; err?: { message: string } }[] = [];
const logger = pino(
  { level: 'error' },
  { write: (line: string) => void logged.push(JSON.parse(line) as (typeof logged)[number]) },
);

const router = new Router();
const throwing: Record<string, (ctx: Context) => never> = {
  'app-404': () => {
    throw new NotFoundError('task', 'TASK_NOT_FOUND');
  },
  'app-500': () => {
    throw new AppError('STORE_BROKEN', 500, 'mongodb://admin:hunter2@db refused');
  },
  'app-503': () => {
    throw new AppError('UNAVAILABLE', 503, 'replica set has no primary at 10.0.0.7');
  },
  plain: () => {
    throw new Error('ENOENT /srv/secret/config.json');
  },
  // Koa's ctx.throw makes http-errors, as its middleware (body parser, router) does.
  'http-500': (ctx) => ctx.throw(500, 'pool exhausted at db-3'),
  'http-exposed-503': (ctx) => ctx.throw(503, 'down for maintenance until 18:00', { expose: true }),
  'http-hidden-400': (ctx) => ctx.throw(400, 'internal parser state 0x3f', { expose: false }),
  'odd-status': () => {
    throw Object.assign(new Error('status from a library'), { status: 1234 });
  },
  'upstream-timeout': () => {
    throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
  },
  'not-an-error': () => {
    throw 'a bare string' as unknown as Error;
  },
};
for (const [name, f] of Object.entries(throwing)) router.get(`/throw/${name}`, f);
router.post('/echo', (ctx) => {
  ctx.body = parseInput(z.strictObject({ n: z.number() }), (ctx.request as { body?: unknown }).body, 'body');
});
router.get('/things', (ctx) => void (ctx.body = []));
router.post('/things', (ctx) => void (ctx.status = 201));
router.get('/empty', (ctx) => void (ctx.status = 204));

const api = await serveForTests(serviceApp(router, { logger, jsonLimit: '1kb' }).callback());
afterAll(() => api.close());

/** Any method, TRACE included (fetch refuses to send it). */
function raw(method: string, path: string) {
  return new Promise<{ status: number; allow?: string; body: { error: Record<string, unknown> } }>(
    (resolve, reject) => {
      request(api.base + path, { method }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, allow: res.headers.allow, body: JSON.parse(text) }),
        );
      })
        .on('error', reject)
        .end();
    },
  );
}

describe('the error mapping', () => {
  it('shows an AppError of status < 500 as it is', async () => {
    const r = await api.call('GET', '/throw/app-404');
    expect(r.status).toBe(404);
    expect(r.body).toEqual({ error: { code: 'TASK_NOT_FOUND', message: 'task not found', details: [] } });
  });

  it.each([
    ['app-500', 500, 'STORE_BROKEN', 'mongodb://admin:hunter2@db refused'],
    ['app-503', 503, 'UNAVAILABLE', 'replica set has no primary at 10.0.0.7'],
    ['plain', 500, 'INTERNAL', 'ENOENT /srv/secret/config.json'],
    ['http-500', 500, 'INTERNAL', 'pool exhausted at db-3'],
    ['odd-status', 500, 'INTERNAL', 'status from a library'],
  ])('never shows the message of a 5xx (%s), and logs it', async (name, status, code, secret) => {
    logged.length = 0;
    expectErrorLog(secret);
    const r = await api.call('GET', `/throw/${name}`);
    expect(r.status).toBe(status);
    expect(r.body).toEqual({ error: { code, message: 'internal error', details: [] } });
    expect(JSON.stringify(r.body)).not.toContain(secret);
    expect(logged.map((l) => [l.msg, l.err?.message])).toEqual([['unhandled error', secret]]);
  });

  it('honours expose both ways: an exposed 503 shows its message, a hidden 400 only its status', async () => {
    // A 5xx is the operator's to look at, exposed or not.
    expectErrorLog('down for maintenance until 18:00');
    const shown = await api.call('GET', '/throw/http-exposed-503');
    expect(shown.status).toBe(503);
    expect(shown.body.error).toEqual({
      code: 'UNAVAILABLE',
      message: 'down for maintenance until 18:00',
      details: [],
    });
    const hidden = await api.call('GET', '/throw/http-hidden-400');
    expect(hidden.status).toBe(400);
    expect(hidden.body.error).toEqual({ code: 'BAD_REQUEST', message: 'Bad Request', details: [] });
  });

  it('answers a call to another service that timed out with 503 and Retry-After, and logs it', async () => {
    expectErrorLog('The operation was aborted due to timeout');
    const r = await fetch(`${api.base}/throw/upstream-timeout`);
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBe('1');
    expect(await r.json()).toEqual({
      error: {
        code: 'UPSTREAM_TIMEOUT',
        message: 'a service this request needs did not answer in time: try again',
        details: [],
      },
    });
  });

  it('answers a thrown non-error with a 500 that says nothing', async () => {
    expectErrorLog('a bare string');
    const r = await api.call('GET', '/throw/not-an-error');
    expect(r.status).toBe(500);
    expect(r.body.error.message).toBe('internal error');
  });

  it('names each problem of invalid input, malformed JSON and an oversized body', async () => {
    const bad = await api.call('POST', '/echo', { body: { n: 'one', extra: 1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    expect(bad.body.error.details).toEqual([
      { path: 'n', issue: expect.stringContaining('expected number') },
      { path: 'extra', issue: 'unknown field' },
    ]);
    const malformed = await api.call('POST', '/echo', {
      body: '{"n":',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('MALFORMED_JSON');
    const big = await api.call('POST', '/echo', { body: { n: 1, pad: 'x'.repeat(2000) } });
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('routes and methods', () => {
  it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
    const r = await api.call('GET', '/nowhere');
    expect(r.status).toBe(404);
    expect(r.body.error).toEqual({ code: 'ROUTE_NOT_FOUND', message: 'no route GET /nowhere', details: [] });
  });

  it.each(['PUT', 'DELETE', 'PATCH', 'TRACE', 'PROPFIND'])(
    'answers %s on a known path with 405, the Allow header and the error shape',
    async (method) => {
      const r = await raw(method, '/things');
      expect(r.status).toBe(405);
      expect(r.allow).toBe('HEAD, GET, POST');
      expect(r.body.error.code).toBe('METHOD_NOT_ALLOWED');
      expect(r.body.error.message).toBe(`${method} is not allowed on /things; allowed: HEAD, GET, POST`);
    },
  );

  it('leaves a deliberate empty answer alone', async () => {
    const r = await api.call('GET', '/empty');
    expect(r.status).toBe(204);
    expect(r.body).toBe('');
  });
});
