import type { IncomingMessage, ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { serve } from '../testing.ts';
import { createDaprKeyValue } from './kv.dapr.ts';
import { createSqliteKeyValue } from './kv.sqlite.ts';
import type { KeyValue } from './kv.ts';
import { createConversations, emptyConversation, HISTORY_LIMIT } from './state.ts';

// A stand-in for daprd's state API as documented (v1.0): GET answers 204 for a missing key and the value
// with an ETag header; POST takes an array of items and answers 409 when an item's ETag is stale. The real
// sidecar is exercised by the stack's tests.
const requests: { method?: string; token?: string }[] = [];
const daprUrl = await (async () => {
  const data = new Map<string, { value: unknown; etag: number }>();
  return serve((req: IncomingMessage, res: ServerResponse) => {
    requests.push({ method: req.method, token: req.headers['dapr-api-token'] as string | undefined });
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c));
    req.on('end', () => {
      const prefix = '/v1.0/state/statestore';
      if (req.method === 'GET' && req.url?.startsWith(`${prefix}/`)) {
        const item = data.get(decodeURIComponent(req.url.slice(prefix.length + 1)));
        if (!item) return res.writeHead(204).end();
        return res
          .writeHead(200, { 'content-type': 'application/json', etag: String(item.etag) })
          .end(JSON.stringify(item.value));
      }
      if (req.method === 'POST' && req.url === prefix) {
        const items = JSON.parse(raw) as { key: string; value: unknown; etag?: string }[];
        for (const i of items) {
          const current = data.get(i.key);
          if (i.etag !== undefined && String(current?.etag) !== i.etag) return res.writeHead(409).end();
        }
        for (const i of items) data.set(i.key, { value: i.value, etag: (data.get(i.key)?.etag ?? 0) + 1 });
        return res.writeHead(204).end();
      }
      res.writeHead(404).end();
    });
  });
})();

const stores: [string, () => KeyValue][] = [
  ['sqlite', () => createSqliteKeyValue(':memory:')],
  ['dapr', () => createDaprKeyValue({ http: daprUrl, apiToken: 'sidecar-token' })],
];

describe.each(stores)('key-value store: %s', (name, make) => {
  it('reads what it wrote, and refuses a write with a stale ETag', async () => {
    const kv = make();
    const key = `k-${name}-${Math.random()}`;
    expect(await kv.get(key)).toBeNull();
    expect(await kv.set(key, { n: 1 }, null)).toBe(true);
    const first = await kv.get(key);
    expect(first?.value).toEqual({ n: 1 });
    expect(await kv.set(key, { n: 2 }, first!.etag)).toBe(true);
    // Someone wrote since `first` was read: our write loses.
    expect(await kv.set(key, { n: 3 }, first!.etag)).toBe(false);
    expect((await kv.get(key))?.value).toEqual({ n: 2 });
    await kv.close();
  });

  it('keeps conversations apart by owner and bounds the history', async () => {
    const conversations = createConversations(make());
    const state = emptyConversation();
    for (let i = 0; i < HISTORY_LIMIT + 10; i++)
      state.history.push({ role: 'user', text: `m${i}`, at: 'now' });
    state.focus = ['task-1'];
    await conversations.save('alice', 'c1', state, null);
    const mine = await conversations.load('alice', 'c1');
    expect(mine.state.focus).toEqual(['task-1']);
    expect(mine.state.history).toHaveLength(HISTORY_LIMIT);
    expect(mine.state.history[0]!.text).toBe('m10');
    const theirs = await conversations.load('bob', 'c1');
    expect(theirs).toEqual({ state: emptyConversation(), etag: null });
    // A second writer with the same stale ETag is told so.
    await conversations.save('alice', 'c1', mine.state, mine.etag);
    await expect(conversations.save('alice', 'c1', mine.state, mine.etag)).rejects.toMatchObject({
      code: 'CONVERSATION_CHANGED',
    });
  });
});

it('sends the dapr-api-token to the sidecar', () => {
  expect(requests.length).toBeGreaterThan(0);
  expect(requests.every((r) => r.token === 'sidecar-token')).toBe(true);
});
