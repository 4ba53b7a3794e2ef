import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { runService, type ServiceEnv } from './service.ts';
import { apiCaller, expectErrorLog, serveForTests } from './testing.ts';

// A stand-in for daprd: ready at once, and the secret store holds the signing key.
const asked: { url: string; token: string | undefined }[] = [];
const daprd = await serveForTests((req: IncomingMessage, res: ServerResponse) => {
  asked.push({ url: req.url!, token: req.headers['dapr-api-token'] as string | undefined });
  if (req.url === '/v1.0/healthz/outbound') return res.writeHead(204).end();
  if (req.url === '/v1.0/secrets/secretstore/jwt-signing-key')
    return res.writeHead(200, { 'content-type': 'application/json' }).end('{"jwt-signing-key":"key-1"}');
  res.writeHead(404).end();
});
afterAll(() => daprd.close());

const env: ServiceEnv = {
  PORT: 0,
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  INTERNAL_HOST: '127.0.0.1',
  DAPR_HTTP_ENDPOINT: daprd.base,
  DAPR_API_TOKEN: 'dapr-token',
};

async function freePort(): Promise<number> {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('runService', () => {
  it('refuses a start without a setting the app needs, before it waits for anything', async () => {
    let built = false;
    expectErrorLog('the tasks service needs MONGO_URL');
    const code = await runService({ name: 'tasks', env, needs: { MONGO_URL: undefined } }, async () => {
      built = true;
      throw new Error('not reached');
    });
    expect(code).toBe(1);
    expect(built).toBe(false);
    expect(asked).toEqual([]);
  });

  it('answers 1, not an exit, when the start fails', async () => {
    expectErrorLog('no token signing key');
    const code = await runService({ name: 'search', env: { ...env, DAPR_HTTP_ENDPOINT: undefined } }, (ctx) =>
      ctx.signingKey().then(() => {
        throw new Error('not reached: there is no key');
      }),
    );
    expect(code).toBe(1);
  });

  it('starts beside daprd, serves the app until SIGTERM, closes it, and answers 0', async () => {
    const [port, internalPort] = [await freePort(), await freePort()];
    const steps: string[] = [];
    let key = '';
    const running = runService(
      { name: 'chat', env: { ...env, PORT: port, INTERNAL_PORT: internalPort } },
      async ({ sidecar, signingKey }) => {
        key = await signingKey();
        steps.push(`sidecar ${sidecar?.http}`);
        return {
          handler: (req, res) =>
            res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'),
          started: () => steps.push('started'),
          stopping: () => steps.push('stopping'),
          close: async () => void steps.push('closed'),
        };
      },
    );
    await expect.poll(() => steps).toContain('started');
    expect(key).toBe('key-1');
    expect(asked.map((a) => [a.url, a.token])).toEqual([
      ['/v1.0/healthz/outbound', 'dapr-token'],
      ['/v1.0/secrets/secretstore/jwt-signing-key', 'dapr-token'],
    ]);
    // The public listener serves the API only; the internal one every route.
    const pub = apiCaller(`http://127.0.0.1:${port}`);
    const internal = apiCaller(`http://127.0.0.1:${internalPort}`);
    expect((await pub('GET', '/api/x')).body).toEqual({ ok: true });
    expect((await pub('GET', '/internal/x')).status).toBe(404);
    expect((await internal('GET', '/internal/x')).body).toEqual({ ok: true });

    process.emit('SIGTERM');
    expect(await running).toBe(0);
    expect(steps).toEqual([`sidecar ${daprd.base}`, 'started', 'stopping', 'closed']);
    await expect(pub('GET', '/api/x')).rejects.toThrow();
  });

  it('answers 1 when closing the app throws', async () => {
    const started = Promise.withResolvers<void>();
    expectErrorLog('store would not close');
    const running = runService({ name: 'search', env: { ...env, PORT: await freePort() } }, async () => ({
      handler: (_req, res) => res.end(),
      started: () => started.resolve(),
      close: () => Promise.reject(new Error('store would not close')),
    }));
    await started.promise;
    process.emit('SIGTERM');
    expect(await running).toBe(1);
  });
});
