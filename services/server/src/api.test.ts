import Router from '@koa/router';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { endpoint, mount, openApiDocument, operationId } from './api.ts';
import { serviceApp } from './app.ts';
import { serveForTests } from './testing.ts';

const Thing = z.object({ id: z.string(), name: z.string() });
const endpoints = [
  endpoint({
    method: 'post',
    path: '/api/things',
    summary: 'Create a thing',
    tag: 'things',
    auth: true,
    body: z.strictObject({
      name: z
        .string()
        .refine((s) => s === s.trim(), 'no blanks around')
        .meta({ pattern: '^\\S(.*\\S)?$' }),
    }),
    responses: { 201: { description: 'Created', schema: Thing } },
    handler: (ctx, { body }) => {
      ctx.status = 201;
      ctx.body = { id: 't1', name: body.name };
    },
  }),
  endpoint({
    method: 'get',
    path: '/api/things',
    summary: 'List things',
    description: 'Soonest first.',
    tag: 'things',
    auth: false,
    query: z.strictObject({ key: z.string(), limit: z.coerce.number().int().min(1).optional() }),
    responses: { 200: { description: 'Things', schema: z.object({ things: z.array(Thing) }) } },
    handler: (ctx) => void (ctx.body = { things: [] }),
  }),
  endpoint({
    method: 'get',
    path: '/api/things/:id',
    summary: 'A thing',
    tag: 'things',
    auth: true,
    responses: { 200: { description: 'The thing', schema: Thing } },
    handler: () => {},
  }),
  endpoint({
    method: 'delete',
    path: '/api/things/:id/parts/:part',
    summary: 'Remove a part',
    tag: 'things',
    auth: true,
    responses: { 204: { description: 'Removed' } },
    handler: () => {},
  }),
];
const doc = openApiDocument(endpoints, { title: 't', version: '1' });
type Operation = {
  operationId: string;
  description?: string;
  parameters: { name: string; in: string; required: boolean }[];
  responses: Record<string, { description: string; links?: Record<string, unknown> }>;
  requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown> } }> };
};
const op = (path: string, method: string) => (doc.paths[path] as Record<string, Operation>)[method]!;

describe('openApiDocument', () => {
  it('lists the statuses every endpoint of its kind answers: 400 and 415 with a body, 401 behind sign-in, 431', () => {
    expect(Object.keys(op('/api/things', 'post').responses).sort()).toEqual([
      '201',
      '400',
      '401',
      '415',
      '431',
    ]);
    expect(Object.keys(op('/api/things', 'get').responses).sort()).toEqual(['200', '400', '431']);
    expect(Object.keys(op('/api/things/{id}', 'get').responses).sort()).toEqual(['200', '401', '431']);
  });

  it('marks a query parameter required when its schema requires it', () => {
    const params = op('/api/things', 'get').parameters.map((p) => [p.name, p.in, p.required]);
    expect(params).toEqual([
      ['key', 'query', true],
      ['limit', 'query', false],
    ]);
  });

  it('states a refinement through its schema metadata, and carries the description', () => {
    const body = op('/api/things', 'post').requestBody!.content['application/json']!.schema;
    expect(body.properties.name).toEqual({ type: 'string', pattern: '^\\S(.*\\S)?$' });
    expect(op('/api/things', 'get').description).toBe('Soonest first.');
  });

  it('names every operation, and links an id in a response to the operations under <path>/:id', () => {
    expect(op('/api/things/{id}', 'get').operationId).toBe('get_api_things_id');
    expect(operationId({ method: 'delete', path: '/api/things/:id/parts/:part' })).toBe(
      'delete_api_things_id_parts_part',
    );
    expect(op('/api/things', 'post').responses['201']!.links).toEqual({
      get_api_things_id: {
        operationId: 'get_api_things_id',
        parameters: { 'path.id': '$response.body#/id' },
      },
    });
    // From a list: the first item's id. An operation with a second parameter is not reachable by one id.
    expect(op('/api/things', 'get').responses['200']!.links).toEqual({
      get_api_things_id: {
        operationId: 'get_api_things_id',
        parameters: { 'path.id': '$response.body#/things/0/id' },
      },
    });
    expect(op('/api/things', 'post').responses['400']!.links).toBeUndefined();
  });
});

describe('mount', () => {
  const router = new Router();
  mount(router, endpoints, async (ctx, next) => {
    if (ctx.get('authorization') !== 'Bearer ok') ctx.throw(401, 'sign in');
    await next();
  });
  const served = serveForTests(
    serviceApp(router, { logger: pino({ level: 'silent' }), jsonLimit: '1kb' }).callback(),
  );
  afterAll(async () => (await served).close());

  it('answers what the document promises: 415 for a body that is not JSON, 400 for a bad one, 201', async () => {
    const { call } = await served;
    const headers = { authorization: 'Bearer ok' };
    const form = await call('POST', '/api/things', {
      body: 'name=x',
      headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(form.status).toBe(415);
    expect(form.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    const blank = await call('POST', '/api/things', { body: { name: ' x' }, headers });
    expect(blank.status).toBe(400);
    expect(blank.body.error.details).toEqual([{ path: 'name', issue: 'no blanks around' }]);
    expect((await call('POST', '/api/things', { body: { name: 'x' }, headers })).status).toBe(201);
    expect((await call('POST', '/api/things', { body: { name: 'x' } })).status).toBe(401);
    expect((await call('GET', '/api/things')).body.error.details).toEqual([
      { path: 'key', issue: expect.stringContaining('expected string') },
    ]);
  });
});
