import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { invoke, invokeJson, invokeUrl, stateStore } from './sidecar.ts';
import { serveForTests } from './testing.ts';

// A stand-in for daprd's HTTP API (v1.0) as documented: invocation passes the call on (here: echoes what
// reached it), and the state API answers 204 for a missing key, the value with an ETag header, 409 for a
// stale ETag, and a 500 "failed to set key" (Redis) for a new key someone else made first. The stack's
// tests prove the same calls against the real daprd.
interface Seen {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}
const seen: Seen[] = [];
const state = new Map<string, { value: unknown; etag: number }>();
let invokeStatus = 200;
let stall = false;
const daprd = await serveForTests(async (req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
  if (stall) return; // never answers: the caller's timeout ends the call
  const url = new URL(req.url!, 'http://daprd');
  const prefix = '/v1.0/state/statestore';
  if (url.pathname.startsWith('/v1.0/invoke/')) {
    res.writeHead(invokeStatus, { 'content-type': 'application/json' });
    return res.end(JSON.stringify({ path: url.pathname, query: url.search, body: body || null }));
  }
  if (req.method === 'GET' && url.pathname.startsWith(`${prefix}/`)) {
    const item = state.get(decodeURIComponent(url.pathname.slice(prefix.length + 1)));
    if (!item) return res.writeHead(204).end();
    return res
      .writeHead(200, { 'content-type': 'application/json', etag: String(item.etag) })
      .end(JSON.stringify(item.value));
  }
  if (req.method === 'POST' && url.pathname === prefix) {
    const items = JSON.parse(body) as { key: string; value: unknown; etag?: string }[];
    for (const i of items) {
      const current = state.get(i.key);
      if (i.etag !== undefined && String(current?.etag) !== i.etag) return res.writeHead(409).end();
      if (i.etag === undefined && current)
        return res.writeHead(500).end('{"errorCode":"ERR_STATE_SAVE","message":"failed to set key k"}');
    }
    for (const i of items) state.set(i.key, { value: i.value, etag: (state.get(i.key)?.etag ?? 0) + 1 });
    return res.writeHead(204).end();
  }
  res.writeHead(404).end();
});
afterAll(() => daprd.close());
beforeEach(() => {
  seen.length = 0;
  invokeStatus = 200;
  stall = false;
});

const sidecar = { http: `${daprd.base}/`, apiToken: 'dapr-token' };

describe('service invocation', () => {
  it('builds the invocation URL of an app route, query included', () => {
    expect(invokeUrl({ http: 'http://127.0.0.1:3500/' }, 'tasks', '/api/tasks?q=x')).toBe(
      'http://127.0.0.1:3500/v1.0/invoke/tasks/method/api/tasks?q=x',
    );
  });

  it("passes the call on with the Dapr API token and the caller's headers, and answers as it came", async () => {
    invokeStatus = 404;
    const res = await invoke(sidecar, 'search', '/api/search?q=ferns', {
      method: 'POST',
      headers: { authorization: 'Bearer user', 'idempotency-key': 'k1' },
      body: 'raw',
    });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({
      path: '/v1.0/invoke/search/method/api/search',
      query: '?q=ferns',
      body: 'raw',
    });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      headers: { 'dapr-api-token': 'dapr-token', authorization: 'Bearer user', 'idempotency-key': 'k1' },
    });
  });

  it('sends no token when the sidecar has none', async () => {
    await invoke({ http: daprd.base }, 'tasks', '/healthz');
    expect(seen[0]!.headers).not.toHaveProperty('dapr-api-token');
  });

  it('gives up after its timeout', async () => {
    stall = true;
    await expect(invoke(sidecar, 'tasks', '/slow', { timeoutMs: 50 })).rejects.toThrow(/timeout|aborted/i);
  });

  it('sends JSON and parses the answer with the schema', async () => {
    const Echo = z.object({ path: z.string(), body: z.string() });
    const got = await invokeJson(sidecar, 'workflows', '/internal/x', {
      what: 'inspect',
      schema: Echo,
      method: 'POST',
      body: { refs: [1] },
      timeoutMs: 5000,
    });
    expect(got).toEqual({ path: '/v1.0/invoke/workflows/method/internal/x', body: '{"refs":[1]}' });
    expect(seen[0]!.headers['content-type']).toBe('application/json');
    await expect(
      invokeJson(sidecar, 'tasks', '/internal/y', { what: 'read', schema: z.object({ n: z.number() }) }),
    ).rejects.toThrow(z.ZodError);
  });

  it('names the call and the status when the app does not answer 2xx', async () => {
    invokeStatus = 502;
    await expect(
      invokeJson(sidecar, 'tasks', '/internal/y', { what: 'tasks read', schema: z.unknown() }),
    ).rejects.toThrow(/^tasks read: 502 \{"path"/);
  });
});

describe('state store', () => {
  const store = stateStore(sidecar, { timeoutMs: 5000 });

  it('reads nothing for a missing key, then what it wrote with its ETag', async () => {
    expect(await store.get('a b')).toBeUndefined();
    expect(await store.save({ key: 'a b', value: { n: 1 } })).toBe(true);
    expect(await store.get('a b')).toEqual({ value: { n: 1 }, etag: '1' });
    expect(seen.map((s) => s.url)).toContain('/v1.0/state/statestore/a%20b');
    expect(seen.every((s) => s.headers['dapr-api-token'] === 'dapr-token')).toBe(true);
  });

  it('loses to a write that came in between, and to a new key made first by someone else', async () => {
    expect(await store.save({ key: 'c', value: 1 })).toBe(true);
    const read = await store.get('c');
    expect(await store.save({ key: 'c', value: 2, etag: read!.etag! })).toBe(true);
    expect(await store.save({ key: 'c', value: 3, etag: read!.etag! })).toBe(false);
    expect(await store.save({ key: 'c', value: 4 })).toBe(false);
    expect((await store.get('c'))?.value).toBe(2);
  });

  it('writes first-write and strong, with a TTL when given, and reads strong when asked', async () => {
    await stateStore(sidecar, { timeoutMs: 5000, strongReads: true }).get('d');
    await store.save({ key: 'd', value: 'v', ttlSeconds: 60 });
    expect(seen[0]!.url).toBe('/v1.0/state/statestore/d?consistency=strong');
    expect(JSON.parse(seen[1]!.body)).toEqual([
      {
        key: 'd',
        value: 'v',
        metadata: { ttlInSeconds: '60' },
        options: { consistency: 'strong', concurrency: 'first-write' },
      },
    ]);
  });

  it('throws on any other answer', async () => {
    const elsewhere = stateStore(sidecar, { store: 'nostore', timeoutMs: 5000 });
    await expect(elsewhere.get('k')).rejects.toThrow('state get k: 404');
    await expect(elsewhere.save({ key: 'k', value: 1 })).rejects.toThrow('state save k: 404');
  });
});
