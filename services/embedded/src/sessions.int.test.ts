import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { apiCaller, openEventStream } from '@todo/server/testing';
import { startEmbedded } from './testing.ts';

// A browser's session in the embedded process: one cookie for the tasks API, the chat, the notification
// stream and the calendar feed's address; signing out ends it everywhere the session is checked.
const dataDir = mkdtempSync(join(tmpdir(), 'embedded-sessions-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

it(
  'carries one session cookie across the apps of the process, and signs out',
  { timeout: 60_000 },
  async () => {
    const started = await startEmbedded(dataDir);
    child = started.child;
    const { base } = started;
    const call = apiCaller(base);
    const up = await call('POST', '/api/auth/signup', {
      body: { email: 'browser@example.com', password: 'correct horse', tz: 'Europe/Berlin' },
    });
    expect(up.status).toBe(201);
    const setCookie = up.headers.getSetCookie().find((c) => c.startsWith('todo_session='))!;
    expect(setCookie).toMatch(/; httponly/i);
    const cookie = setCookie.split(';')[0]!;
    // What a browser sends with a form post from this origin.
    const browser = { cookie, origin: base };

    expect((await call('GET', '/api/me', { headers: browser })).body).toMatchObject({
      email: 'browser@example.com',
      tz: 'Europe/Berlin',
    });
    const chat = await call('POST', '/api/chat', {
      body: { message: 'water the plants tomorrow at 8am' },
      headers: browser,
    });
    expect(chat.status).toBe(200);
    expect(chat.body.actions).toEqual([{ tool: 'add', method: 'POST', path: '/api/tasks', status: 201 }]);
    const listed = await call('GET', '/api/tasks', { headers: browser });
    expect(listed.body.tasks.map((t: { title: string }) => t.title)).toEqual(['water the plants']);

    const stream = await openEventStream(`${base}/api/notifications/stream`, { cookie });
    expect(stream.res.status).toBe(200);

    const feed = await call('GET', '/api/calendar/feed', { headers: browser });
    expect(feed.body.url).toBe(`${base}${feed.body.path}`);
    const ics = await fetch(feed.body.url);
    expect(ics.headers.get('content-type')).toMatch(/^text\/calendar/);
    expect(await ics.text()).toMatch(/\r\nSUMMARY:water the plants\r\n/);

    const foreign = await call('POST', '/api/auth/signout', {
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect((await call('POST', '/api/auth/signout', { headers: browser })).status).toBe(204);
    expect((await call('GET', '/api/tasks', { headers: browser })).status).toBe(401);
    expect((await call('GET', '/api/me', { token: up.body.token })).status).toBe(401);
    const after = await call('POST', '/api/chat', { body: { message: 'buy bread' }, headers: browser });
    expect(after.status).toBe(401);
    // The open stream notices within its 15 s check, says so, and ends; reopening it is refused.
    expect((await stream.next((f) => f.event === 'session-ended', 20_000)).event).toBe('session-ended');
    await expect(stream.next(() => true, 2000)).rejects.toThrow(/ended/);
    expect((await call('GET', '/api/notifications/stream', { headers: { cookie } })).status).toBe(401);
  },
);
