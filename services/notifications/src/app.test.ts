import { describe, expect, it } from 'vitest';
import { loadEnv } from './env.ts';
import { testApi } from './testing.ts';

const api = await testApi();

describe('notifications app', () => {
  it('answers health and readiness', async () => {
    expect((await api.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await api.call('GET', '/readyz')).body).toEqual({ status: 'ready' });
  });

  it('describes every endpoint in its OpenAPI document', async () => {
    const doc = (await api.call('GET', '/api/notifications/openapi.json')).body;
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/api/notifications',
      '/api/notifications/read-all',
      '/api/notifications/stream',
      '/api/notifications/{id}/read',
      '/api/webhooks',
      '/api/webhooks/{id}',
      '/api/webhooks/{id}/deliveries',
      '/api/webhooks/{id}/deliveries/{deliveryId}/redeliver',
    ]);
    expect(doc.paths['/api/notifications/stream'].get.parameters).toEqual([
      expect.objectContaining({ name: 'token', in: 'query' }),
    ]);
  });

  it('reads its configuration once, with a readable error', () => {
    const env = loadEnv({ MONGO_URL: 'mongodb://127.0.0.1:27017', WEBHOOK_ALLOW_INTERNAL: 'true' });
    expect(env).toMatchObject({ PORT: 3002, WEBHOOK_ALLOW_INTERNAL: true });
    // Standard Webhooks' schedule: eight tries over about 27.6 hours.
    expect(env.WEBHOOK_RETRY_SCHEDULE.reduce((a, b) => a + b, 0)).toBe(99_305_000);
    expect(loadEnv({ WEBHOOK_RETRY_SCHEDULE: 'PT1S, PT1M,PT2H' }).WEBHOOK_RETRY_SCHEDULE).toEqual([
      1000, 60_000, 7_200_000,
    ]);
    expect(() => loadEnv({ JWT_SECRET: 'short', WEBHOOK_TIMEOUT_MS: '5' })).toThrow(
      /JWT_SECRET: JWT_SECRET must be at least 32 characters\n {2}WEBHOOK_TIMEOUT_MS/,
    );
    expect(() => loadEnv({ WEBHOOK_RETRY_SCHEDULE: 'PT5S,5m' })).toThrow(/WEBHOOK_RETRY_SCHEDULE: expected/);
  });
});
