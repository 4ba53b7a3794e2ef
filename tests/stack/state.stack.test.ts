// The coordinator's memory in the stack's Dapr state store (Redis), as the workflows app writes it:
// conditional writes on the ETag a read gave, and a TTL for the records of deleted tasks.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { daprStateTable } from '../../workflows/src/dapr/clients.ts';
import { daprUrl, stack, waitFor } from './helpers.ts';

const state = () =>
  daprStateTable({ http: daprUrl('stack-probe', ''), apiToken: stack().tokens['stack-probe']!.daprApiToken });

describe('the Dapr state table', () => {
  it('writes only over the version it read, and a new key only where there is none', async () => {
    const s = state();
    const key = `test:${randomUUID()}`;
    expect(await s.get(key)).toBeUndefined();
    expect(await s.put(key, { v: 1 })).toBe(true);
    expect(await s.put(key, { v: 'blind' })).toBe(false);
    const read = (await s.get<{ v: number }>(key))!;
    expect(read.value).toEqual({ v: 1 });
    expect(await s.put(key, { v: 2 }, { etag: read.etag })).toBe(true);
    expect(await s.put(key, { v: 'stale' }, { etag: read.etag })).toBe(false);
    expect((await s.get(key))?.value).toEqual({ v: 2 });
  });

  it('of two writers on one read, exactly one wins', async () => {
    const s = state();
    const key = `test:${randomUUID()}`;
    await s.put(key, { n: 0 });
    const read = (await s.get(key))!;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => s.put(key, { n: i + 1 }, { etag: read.etag })),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('forgets a value written with a TTL', async () => {
    const s = state();
    const key = `test:${randomUUID()}`;
    expect(await s.put(key, { gone: 'soon' }, { ttlSeconds: 2 })).toBe(true);
    expect((await s.get(key))?.value).toEqual({ gone: 'soon' });
    await sleep(2000);
    await waitFor('the value to expire', async () => ((await s.get(key)) === undefined ? true : undefined), {
      timeoutMs: 10_000,
    });
    expect(await s.put(key, { fresh: true })).toBe(true);
  });
});
