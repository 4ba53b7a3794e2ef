import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAppOf as appOf } from '@todo/core';
import { proxyApi } from './server.ts';

describe('which app answers a path in the stack', () => {
  it('sends chat, notifications, webhooks and search to their apps, the rest to tasks', () => {
    expect(appOf('/api/chat')).toBe('chat');
    expect(appOf('/api/chat/abc')).toBe('chat');
    expect(appOf('/api/notifications/stream')).toBe('notifications');
    expect(appOf('/api/webhooks?x=1')).toBe('notifications');
    expect(appOf('/api/search?q=a')).toBe('search');
    expect(appOf('/api/searchy')).toBe('tasks');
    expect(appOf('/api/calendar.ics?key=k')).toBe('tasks');
    expect(appOf('/api/me')).toBe('tasks');
  });
});

// A stand-in for daprd: it records what it was asked and answers with a streamed body and a cookie.
describe('the browser’s /api calls through the sidecar', () => {
  let sidecar: Server;
  let web: Server;
  let base: string;
  const seen: { url: string; headers: IncomingMessage['headers']; body: string }[] = [];

  beforeAll(async () => {
    sidecar = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c));
      req.on('end', () => {
        seen.push({ url: req.url!, headers: req.headers, body });
        res.writeHead(201, { 'content-type': 'text/event-stream', 'set-cookie': ['a=1', 'b=2'] });
        res.write('event: one\n\n');
        setTimeout(() => res.end('event: two\n\n'), 20);
      });
    }).listen(0, '127.0.0.1');
    await new Promise((r) => sidecar.once('listening', r));
    const endpoint = `http://127.0.0.1:${(sidecar.address() as AddressInfo).port}`;
    const proxy = proxyApi({ kind: 'dapr', sidecar: { http: endpoint, apiToken: 'sidecar-token' } });
    web = createServer((req, res) => void proxy(req, res)).listen(0, '127.0.0.1');
    await new Promise((r) => web.once('listening', r));
    base = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    web?.close();
    sidecar?.close();
  });

  it('invokes the right app with the app token, passes the cookie, the bearer token and the body, and streams the answer back', async () => {
    const res = await fetch(`${base}/api/notifications/stream?x=1`, {
      method: 'POST',
      headers: {
        cookie: 'todo_session=s',
        authorization: 'Bearer t',
        'last-event-id': '7',
        'content-type': 'application/json',
        origin: 'http://evil',
      },
      body: '{"a":1}',
    });
    expect(res.status).toBe(201);
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.text()).toBe('event: one\n\nevent: two\n\n');
    const call = seen.at(-1)!;
    expect(call.url).toBe('/v1.0/invoke/notifications/method/api/notifications/stream?x=1');
    expect(call.headers['dapr-api-token']).toBe('sidecar-token');
    expect(call.headers.cookie).toBe('todo_session=s');
    expect(call.headers.authorization).toBe('Bearer t');
    expect(call.headers['last-event-id']).toBe('7');
    // The browser's Origin stays behind: behind Dapr the API's host differs, and it would refuse the call.
    expect(call.headers.origin).toBeUndefined();
    expect(call.body).toBe('{"a":1}');
  });
});
