import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signUp, viaDapr } from './helpers.ts';

describe('resiliency of service invocation', () => {
  it("a caller's 4xx answers do not open the circuit breaker to the task service", async () => {
    const { token } = await signUp();
    const api = viaDapr('web');
    const get = (path: string) =>
      fetch(`${api.base}${path}`, { headers: { ...api.headers, authorization: `Bearer ${token}` } });
    // More misses than the breaker's trip count (resiliency.yaml): a user's typos are not an outage.
    for (let i = 0; i < 8; i++) expect((await get(`/api/tasks/${randomUUID()}`)).status).toBe(404);
    const res = await get('/api/tasks');
    expect(res.status, await res.clone().text()).toBe(200);
  });
});
