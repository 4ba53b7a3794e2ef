import { describe, expect, it } from 'vitest';
import { testApi } from './testing.ts';

const api = await testApi();

describe('service endpoints', () => {
  it('answers health and readiness', async () => {
    expect((await api.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await api.call('GET', '/readyz')).body).toEqual({ status: 'ready' });
  });

  it('publishes an OpenAPI 3.1 document generated from the schemas, and a docs page', async () => {
    const doc = (await api.call('GET', '/api/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/tasks',
        '/api/tasks/{id}',
        '/api/auth/signup',
        '/api/recurrence/preview',
        '/api/workflows',
      ]),
    );
    const create = doc.paths['/api/tasks'].post;
    expect(create.requestBody.content['application/json'].schema.required).toEqual(['title']);
    expect(create.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(create.security).toEqual([{ bearer: [] }, { cookie: [] }]);
    const page = await api.call('GET', '/api/docs');
    expect(page.status).toBe(200);
    expect(page.body).toContain('/api/docs/init.js');
    expect((await api.call('GET', '/api/docs/init.js')).body).toContain('/api/openapi.json');
    expect((await api.call('GET', '/api/docs/swagger-ui-bundle.js')).status).toBe(200);
  });

  it('answers an unknown route and a wrong method in the error shape', async () => {
    const r = await api.call('GET', '/api/nothing-here');
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('ROUTE_NOT_FOUND');
    const m = await api.call('PUT', '/api/tasks');
    expect(m.status).toBe(405);
    expect(m.body.error.code).toBe('METHOD_NOT_ALLOWED');
  });
});
