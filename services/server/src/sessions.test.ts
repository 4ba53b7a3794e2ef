import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daprSessionCheck } from './sessions.ts';

// A stand-in for daprd passing the call on to the tasks app: it records what it was asked and answers
// with the principal of session s1 while `revoked` is false.
let sidecar: Server;
let http: string;
const asked: { url: string; token: string | undefined }[] = [];
let revoked = false;
beforeAll(async () => {
  sidecar = createServer((req, res) => {
    asked.push({ url: req.url ?? '', token: req.headers['dapr-api-token'] as string | undefined });
    const live = !revoked && req.url?.includes('/sessions/s1?owner=u1');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ principal: live ? { id: 'u1', tz: 'UTC', sid: 's1' } : null }));
  }).listen(0, '127.0.0.1');
  await new Promise((r) => sidecar.once('listening', r));
  http = `http://127.0.0.1:${(sidecar.address() as AddressInfo).port}`;
});
afterAll(() => void sidecar.close());

describe('daprSessionCheck', () => {
  it('asks the tasks app through daprd, keeps a live answer a while, and never keeps an ended one', async () => {
    let now = 0;
    const check = daprSessionCheck({ http, apiToken: 'dapr-token' }, { liveForMs: 10_000, now: () => now });
    expect(await check('s1', 'u1')).toEqual({ id: 'u1', tz: 'UTC', sid: 's1' });
    expect(asked.at(-1)).toEqual({
      url: '/v1.0/invoke/tasks/method/internal/sessions/s1?owner=u1',
      token: 'dapr-token',
    });
    revoked = true;
    now = 9_999; // still within the live answer's time: no call
    expect(await check('s1', 'u1')).toEqual({ id: 'u1', tz: 'UTC', sid: 's1' });
    expect(asked).toHaveLength(1);
    now = 10_000; // past it: asked again, and the ended session is refused from now on
    expect(await check('s1', 'u1')).toBeNull();
    expect(await check('s1', 'u1')).toBeNull();
    expect(asked).toHaveLength(3);
    expect(await check('s1', 'someone-else')).toBeNull();
  });
});
