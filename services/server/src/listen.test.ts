import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterAll, expect, it } from 'vitest';
import { listen } from './listen.ts';

const { server } = await listen((_req, res) => res.end('ok'), {
  port: 0,
  host: '127.0.0.1',
  logger: pino({ level: 'silent' }),
  close: async () => {},
});
afterAll(() => new Promise((r) => server.close(r)));

/** Sends `head` as raw bytes and answers what came back (Node's parser refuses before any handler). */
function send(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect((server.address() as AddressInfo).port, '127.0.0.1', () => socket.write(head));
    let text = '';
    socket.on('data', (c: Buffer) => (text += c));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

const parse = (text: string) => {
  const [head, body] = text.split('\r\n\r\n') as [string, string];
  return { status: Number(head.split(' ')[1]), head, body: JSON.parse(body) };
};

it('answers headers past the size limit with 431 in the error shape, not a bare status line', async () => {
  const r = parse(await send(`GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`));
  expect(r.status).toBe(431);
  expect(r.head).toContain('Content-Type: application/json');
  expect(r.body).toEqual({
    error: { code: 'HEADERS_TOO_LARGE', message: 'the request headers are too large', details: [] },
  });
});

it('answers a request that is not HTTP with 400 in the error shape', async () => {
  const r = parse(await send('HELLO THERE\r\n\r\n'));
  expect(r.status).toBe(400);
  expect(r.body.error.code).toBe('BAD_REQUEST');
});

it('still serves a sane request', async () => {
  const r = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  expect(await r.text()).toBe('ok');
});
