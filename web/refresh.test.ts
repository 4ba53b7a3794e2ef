import { fixedClock } from '@todo/core';
import { createTokens } from '@todo/server';
import { serveForTests } from '@todo/server/testing';
import { createApp, createSqliteStore } from '@todo/tasks';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { proxyApi, withFreshSession } from './server.ts';

// The web front (as web/main.ts and the embedded profile wrap it) before the real tasks app, whose tokens
// live 15 minutes on a clock the test moves: the browser's session outlives many access tokens.
const clock = fixedClock('2026-11-24T10:00:00Z');
const store = createSqliteStore(':memory:');
const tasks = await serveForTests(
  createApp({
    store,
    clock,
    logger: pino({ level: 'silent' }),
    tokens: createTokens('test-secret-test-secret-test-secret!', 900, () => clock.now()),
  }).callback(),
);
const target = { kind: 'origin', origin: tasks.base } as const;
const web = await serveForTests(
  withFreshSession(target, proxyApi(target), { now: () => clock.now().getTime() }),
);
afterAll(async () => {
  await web.close();
  await tasks.close();
  await store.close();
});

/** A browser's cookie jar: what it sends, and what it keeps from each answer. */
function browser() {
  const jar = new Map<string, string>();
  return {
    async get(path: string) {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const res = await fetch(web.base + path, { headers: cookie ? { cookie } : {} });
      for (const c of res.headers.getSetCookie()) {
        const [pair, ...attrs] = c.split(/;\s*/);
        const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
        // Max-Age in the past or an empty value: the browser drops the cookie.
        if (!value || attrs.some((a) => /^expires=thu, 01 jan 1970/i.test(a))) jar.delete(name);
        else jar.set(name, value);
      }
      return { status: res.status, body: (await res.json()) as { email?: string } };
    },
    jar,
  };
}

async function signUp(email: string) {
  const b = browser();
  const res = await fetch(`${web.base}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'correct horse' }),
  });
  expect(res.status).toBe(201);
  for (const c of res.headers.getSetCookie()) {
    const pair = c.split(';', 1)[0]!;
    b.jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
  }
  return b;
}

describe('the web front keeps a session going past its access tokens', () => {
  it('refreshes on the way when the token ran out, and the browser takes the new cookies', async () => {
    const start = clock.now();
    try {
      const b = await signUp('front@example.com');
      expect((await b.get('/api/me')).status).toBe(200);
      let refreshToken = b.jar.get('todo_refresh');
      // Four tokens' lives (an hour): each request after one ran out is refreshed first.
      for (let i = 0; i < 4; i++) {
        clock.advance(16 * 60_000);
        const me = await b.get('/api/me');
        expect(me.status).toBe(200);
        expect(me.body.email).toBe('front@example.com');
        expect(b.jar.get('todo_refresh')).not.toBe(refreshToken);
        refreshToken = b.jar.get('todo_refresh');
      }
      // Without the refresh cookie an expired token is just refused.
      clock.advance(16 * 60_000);
      b.jar.delete('todo_refresh');
      expect((await b.get('/api/me')).status).toBe(401);
    } finally {
      clock.set(start);
    }
  });

  it('refreshes once for requests that come together with the same cookies, and the session lives on', async () => {
    const start = clock.now();
    try {
      const b = await signUp('together@example.com');
      clock.advance(16 * 60_000);
      const cookie = [...b.jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const answers = await Promise.all(
        Array.from({ length: 5 }, () => fetch(`${web.base}/api/me`, { headers: { cookie } })),
      );
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      const refreshes = new Set(
        answers.map((r) => r.headers.getSetCookie().find((c) => c.startsWith('todo_refresh='))),
      );
      expect(refreshes.size).toBe(1);
    } finally {
      clock.set(start);
    }
  });

  it('ends the session when an old refresh cookie comes back after the new one was issued', async () => {
    const start = clock.now();
    try {
      const b = await signUp('replayed@example.com');
      const stolen = b.jar.get('todo_refresh')!;
      clock.advance(16 * 60_000);
      expect((await b.get('/api/me')).status).toBe(200);
      // A minute later the copy is used: a second use of the same refresh token.
      clock.advance(2 * 60_000);
      const thief = browser();
      thief.jar.set('todo_refresh', stolen);
      expect((await thief.get('/api/me')).status).toBe(401);
      expect(thief.jar.size).toBe(0);
      // The owner's session ended too: its next refresh is refused and the cookies are dropped.
      clock.advance(16 * 60_000);
      expect((await b.get('/api/me')).status).toBe(401);
      expect(b.jar.size).toBe(0);
    } finally {
      clock.set(start);
    }
  });
});

describe('the cookies of a refresh and of the answer', () => {
  it('passes the new token on to the listener, and adds only the cookies the answer does not set itself', async () => {
    const start = clock.now();
    const seen: string[] = [];
    const page = await serveForTests(
      withFreshSession(
        target,
        (req, res) => {
          seen.push(req.headers.cookie ?? '');
          // As the settings page does after a zone change: it sets a session cookie of its own.
          res.writeHead(200, {
            'content-type': 'text/plain',
            'set-cookie': ['todo_session=from-the-page; Path=/'],
          });
          res.end('ok');
        },
        { now: () => clock.now().getTime() },
      ),
    );
    try {
      const b = await signUp('merge@example.com');
      const old = b.jar.get('todo_refresh')!;
      clock.advance(16 * 60_000);
      const res = await fetch(page.base, { headers: { cookie: `todo_refresh=${old}` } });
      const names = res.headers.getSetCookie().map((c) => c.split(';', 1)[0]!);
      expect(names.filter((c) => c.startsWith('todo_session='))).toEqual(['todo_session=from-the-page']);
      const refresh = names.find((c) => c.startsWith('todo_refresh='))!;
      expect(refresh).not.toBe(`todo_refresh=${old}`);
      // The listener saw the new pair in the request's Cookie header, not the spent refresh token.
      expect(seen[0]).toContain(refresh);
      expect(seen[0]).toMatch(/todo_session=[\w-]+\.[\w-]+\.[\w-]+/);
    } finally {
      clock.set(start);
      await page.close();
    }
  });
});
