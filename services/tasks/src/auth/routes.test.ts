import { createTokens } from '@todo/server';
import { serveForTests } from '@todo/server/testing';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { ACCESS_TTL_SECONDS, testApi } from '../testing.ts';

const api = await testApi();

describe('accounts', () => {
  it('signs up, refuses a second account for the email, and signs in', async () => {
    const body = { email: 'Ada@Example.com', password: 'analytical engine' };
    const up = await api.call('POST', '/api/auth/signup', { body });
    expect(up.status).toBe(201);
    expect(up.body.token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const twice = await api.call('POST', '/api/auth/signup', { body: { ...body, email: 'ada@example.com' } });
    expect(twice.status).toBe(409);
    expect(twice.body.error.code).toBe('EMAIL_TAKEN');
    const inn = await api.call('POST', '/api/auth/signin', {
      body: { email: 'ADA@example.com', password: body.password },
    });
    expect(inn.status).toBe(200);
    expect((await api.call('GET', '/api/tasks', { token: inn.body.token })).status).toBe(200);
  });

  it('refuses a wrong password and an unknown email alike', async () => {
    await api.call('POST', '/api/auth/signup', {
      body: { email: 'bob@example.com', password: 'hunter2hunter2' },
    });
    const wrong = await api.call('POST', '/api/auth/signin', {
      body: { email: 'bob@example.com', password: 'hunter3hunter3' },
    });
    const unknown = await api.call('POST', '/api/auth/signin', {
      body: { email: 'eve@example.com', password: 'hunter2hunter2' },
    });
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.error.message).toBe(unknown.body.error.message);
  });

  it.each([
    [{ email: 'not-an-email', password: 'long enough' }, 'email'],
    [{ email: 'a@example.com', password: 'short' }, 'password'],
    [{ email: 'a@example.com', password: 'long enough', tz: 'Nowhere/Land' }, 'tz'],
    [{ email: 'a@example.com', password: 'long enough', admin: true }, 'admin'],
  ])('rejects the signup %j naming %s', async (body, path) => {
    const r = await api.call('POST', '/api/auth/signup', { body });
    expect(r.status).toBe(400);
    expect(r.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('refuses a token signed with another key', async () => {
    const forged =
      'eyJhbGciOiJIUzI1NiJ9.eyJ0eiI6IlVUQyIsInN1YiI6Im1lIiwiaXNzIjoidG9kby1jaGF0Ym90IiwiYXVkIjoidG9kby1jaGF0Ym90LWFwaSJ9.c2lnbmF0dXJl';
    const r = await api.call('GET', '/api/tasks', { token: forged });
    expect(r.status).toBe(401);
  });
});

/** The session cookie a response set, as a Cookie header value, with its attributes. */
function sessionCookie(r: { headers: Headers }) {
  const raw = r.headers.getSetCookie().find((c) => c.startsWith('todo_session='));
  if (!raw) throw new Error('no session cookie set');
  const [pair, ...attrs] = raw.split(/;\s*/);
  return {
    header: pair!,
    value: pair!.slice('todo_session='.length),
    attrs: attrs.map((a) => a.toLowerCase()),
  };
}

let n = 0;
async function signUp(tz = 'Europe/Berlin') {
  const r = await api.call('POST', '/api/auth/signup', {
    body: { email: `session${++n}@example.com`, password: 'correct horse', tz },
    headers: { 'user-agent': 'TestBrowser/1.0' },
  });
  expect(r.status).toBe(201);
  return { token: r.body.token as string, cookie: sessionCookie(r) };
}
const withCookie = (cookie: string, headers: Record<string, string> = {}) => ({
  headers: { cookie, ...headers },
});

describe('sessions', () => {
  it('sets an httpOnly, SameSite=Lax session cookie that authenticates like the bearer token', async () => {
    const { token, cookie } = await signUp();
    expect(cookie.attrs).toEqual(expect.arrayContaining(['path=/', 'samesite=lax', 'httponly']));
    // The cookie goes with its token's 15 minutes (the browser then drops it and the web app refreshes).
    const expires = Date.parse(cookie.attrs.find((a) => a.startsWith('expires='))!.slice(8));
    expect(Math.abs(expires - Date.now() - ACCESS_TTL_SECONDS * 1000)).toBeLessThan(60_000);
    expect(cookie.attrs).not.toContain('secure');
    expect(cookie.value).toBe(token);
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    expect(claims.sid).toMatch(/^[\w-]{24}$/);
    const mine = await api.call('GET', '/api/tasks', withCookie(cookie.header));
    expect(mine.status).toBe(200);
    const me = await api.call('GET', '/api/me', withCookie(cookie.header));
    expect(me.body).toEqual({
      id: api.ownerOf(token),
      email: `session${n}@example.com`,
      tz: 'Europe/Berlin',
    });
  });

  it('signs out: the session ends for its cookie and its token, and the cookie is cleared', async () => {
    const { token, cookie } = await signUp();
    const other = await api.call('POST', '/api/auth/signin', {
      body: { email: `session${n}@example.com`, password: 'correct horse' },
    });
    const out = await api.call('POST', '/api/auth/signout', withCookie(cookie.header));
    expect(out.status).toBe(204);
    const cleared = sessionCookie(out);
    expect(cleared.value).toBe('');
    expect(cleared.attrs.some((a) => a.startsWith('expires=thu, 01 jan 1970'))).toBe(true);
    for (const r of [
      await api.call('GET', '/api/tasks', withCookie(cookie.header)),
      await api.call('GET', '/api/tasks', { token }),
    ]) {
      expect(r.status).toBe(401);
      expect(r.body.error.message).toMatch(/session has ended/);
    }
    // A dead cookie is dropped with the 401, so the browser stops sending it.
    const dead = await api.call('POST', '/api/auth/signout', withCookie(cookie.header));
    expect(dead.status).toBe(401);
    expect(sessionCookie(dead).value).toBe('');
    // The other sign-in is its own session and lives on.
    expect((await api.call('GET', '/api/tasks', { token: other.body.token })).status).toBe(200);
  });

  it('signs out everywhere, lists live sessions, and ends one by id', async () => {
    const { token, cookie } = await signUp();
    const email = `session${n}@example.com`;
    const signin = async () =>
      (await api.call('POST', '/api/auth/signin', { body: { email, password: 'correct horse' } })).body
        .token as string;
    const [second, third] = [await signin(), await signin()];
    const list = await api.call('GET', '/api/auth/sessions', { token });
    expect(list.status).toBe(200);
    expect(list.body.sessions).toHaveLength(3);
    const current = list.body.sessions.filter((s: { current: boolean }) => s.current);
    expect(current).toEqual([expect.objectContaining({ userAgent: 'TestBrowser/1.0' })]);

    const thirdSid = JSON.parse(Buffer.from(third.split('.')[1]!, 'base64url').toString()).sid;
    expect((await api.call('DELETE', `/api/auth/sessions/${thirdSid}`, { token })).status).toBe(204);
    expect((await api.call('GET', '/api/tasks', { token: third })).status).toBe(401);
    expect((await api.call('DELETE', `/api/auth/sessions/${thirdSid}`, { token })).status).toBe(404);
    // Another owner can not end this owner's session.
    const stranger = (await signUp()).token;
    const secondSid = JSON.parse(Buffer.from(second.split('.')[1]!, 'base64url').toString()).sid;
    expect((await api.call('DELETE', `/api/auth/sessions/${secondSid}`, { token: stranger })).status).toBe(
      404,
    );

    const all = await api.call('POST', '/api/auth/signout-all', { token: second });
    expect(all.status).toBe(204);
    for (const t of [token, second])
      expect((await api.call('GET', '/api/tasks', { token: t })).status).toBe(401);
    expect((await api.call('GET', '/api/tasks', withCookie(cookie.header))).status).toBe(401);
    expect((await api.call('GET', '/api/tasks', { token: stranger })).status).toBe(200);
  });

  it('refuses a token with no session, and one whose session expired', async () => {
    const { token } = await signUp();
    const owner = api.ownerOf(token);
    const bare = await createTokens('test-secret-test-secret-test-secret!').sign({ id: owner, tz: 'UTC' });
    expect((await api.call('GET', '/api/tasks', { token: bare })).status).toBe(401);
    const start = api.clock.now();
    try {
      api.clock.advance(30 * 24 * 3600 * 1000 - 1000);
      // The session still lives; a token of this moment (its own expiry is the session's) works.
      const live = await api.store.getSession(api.sidOf(token));
      const fresh = await createTokens('test-secret-test-secret-test-secret!', 900, () =>
        api.clock.now(),
      ).sign({ id: owner, tz: 'UTC', sid: live!.id });
      expect((await api.call('GET', '/api/tasks', { token: fresh })).status).toBe(200);
      api.clock.advance(1000);
      expect((await api.call('GET', '/api/tasks', { token: fresh })).status).toBe(401);
    } finally {
      api.clock.set(start);
    }
  });

  it('records when a session was last used, at most every 5 minutes', async () => {
    const { token } = await signUp();
    const sid = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).sid;
    const seen = async () => (await api.store.getSession(sid))!.lastSeenAt;
    const start = api.clock.now();
    try {
      const created = await seen();
      api.clock.advance(4 * 60_000);
      await api.call('GET', '/api/tasks', { token });
      expect(await seen()).toBe(created);
      api.clock.advance(60_000);
      await api.call('GET', '/api/tasks', { token });
      expect(await seen()).toBe(api.clock.now().toISOString());
    } finally {
      api.clock.set(start);
    }
  });

  it("refuses a change sent with the cookie from another origin, and takes this origin's", async () => {
    const { token, cookie } = await signUp();
    const body = { title: 'Water the plants' };
    const foreign = await api.call('POST', '/api/tasks', {
      body,
      ...withCookie(cookie.header, { origin: 'https://evil.example' }),
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('CROSS_ORIGIN');
    const crossSite = await api.call('POST', '/api/tasks', {
      body,
      ...withCookie(cookie.header, { 'sec-fetch-site': 'cross-site' }),
    });
    expect(crossSite.status).toBe(403);
    const same = await api.call('POST', '/api/tasks', {
      body,
      ...withCookie(cookie.header, { origin: api.base }),
    });
    expect(same.status).toBe(201);
    // Reads are not refused, and a bearer token is not a cookie: no browser attaches it by itself.
    expect(
      (await api.call('GET', '/api/tasks', withCookie(cookie.header, { origin: 'https://evil.example' })))
        .status,
    ).toBe(200);
    const bearer = await api.call('POST', '/api/tasks', {
      body,
      token,
      headers: { origin: 'https://evil.example' },
    });
    expect(bearer.status).toBe(201);
  });

  it("changes the owner's zone in settings, for every session at once", async () => {
    const { token, cookie } = await signUp('Europe/Berlin');
    const bad = await api.call('PATCH', '/api/me', { token, body: { tz: 'Mars/Olympus' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['tz']);
    const patched = await api.call('PATCH', '/api/me', {
      body: { tz: 'America/New_York' },
      ...withCookie(cookie.header, { origin: api.base }),
    });
    expect(patched.status).toBe(200);
    expect(patched.body.tz).toBe('America/New_York');
    // The browser gets a token with the new zone (for the apps that read it from the token).
    const fresh = sessionCookie(patched);
    expect(JSON.parse(Buffer.from(fresh.value.split('.')[1]!, 'base64url').toString()).tz).toBe(
      'America/New_York',
    );
    // The old bearer token still names the old zone, but the tasks service reads the account's.
    const t = await api.call('POST', '/api/tasks', {
      token,
      body: { title: 'Call', due: { date: '2026-11-24', time: '23:30' } },
    });
    const listed = await api.call('GET', '/api/tasks?q=due:today', { token });
    expect(listed.body.tasks.map((x: { id: string }) => x.id)).toContain(t.body.id);
    expect((await api.call('GET', '/api/me', { token })).body.tz).toBe('America/New_York');
  });

  it('marks the cookie Secure behind a TLS proxy it trusts', async () => {
    const app = createApp({
      store: api.store,
      clock: api.clock,
      logger: pino({ level: 'silent' }),
      tokens: createTokens('test-secret-test-secret-test-secret!'),
      trustProxy: true,
    });
    const served = await serveForTests(app.callback());
    try {
      const r = await served.call('POST', '/api/auth/signup', {
        body: { email: 'tls@example.com', password: 'correct horse' },
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(r.status).toBe(201);
      expect(sessionCookie(r).attrs).toContain('secure');
    } finally {
      await served.close();
    }
  });
});

describe('sign-up and sign-in throttles', async () => {
  const limits = { perIpPerMinute: 4, perAccountPer15Minutes: 2, hashConcurrency: 2, hashQueue: 8 };
  const perIp = await testApi({ auth: limits });
  const perAccount = await testApi({ auth: { ...limits, perIpPerMinute: 0 } });
  const body = (email: string, password = 'correct horse') => ({ email, password });

  it('limits sign-ups and sign-ins together per address: 429 with Retry-After and the error shape', async () => {
    const statuses = [];
    for (const email of ['a@example.com', 'b@example.com', 'c@example.com'])
      statuses.push((await perIp.call('POST', '/api/auth/signup', { body: body(email) })).status);
    statuses.push((await perIp.call('POST', '/api/auth/signin', { body: body('a@example.com') })).status);
    expect(statuses).toEqual([201, 201, 201, 200]);
    const refused = await perIp.call('POST', '/api/auth/signin', { body: body('a@example.com') });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused.body.error).toMatchObject({ code: 'RATE_LIMITED', details: [] });
    expect(refused.body.error.message).toContain('too many sign-ups and sign-ins');
    expect((await perIp.call('POST', '/api/auth/signup', { body: body('d@example.com') })).status).toBe(429);
  });

  it('limits sign-ins per account, whatever the address, right password or not', async () => {
    await perAccount.call('POST', '/api/auth/signup', { body: body('victim@example.com') });
    const wrong = body('VICTIM@example.com', 'guess one');
    expect((await perAccount.call('POST', '/api/auth/signin', { body: wrong })).status).toBe(401);
    expect((await perAccount.call('POST', '/api/auth/signin', { body: wrong })).status).toBe(401);
    const locked = await perAccount.call('POST', '/api/auth/signin', { body: body('victim@example.com') });
    expect(locked.status).toBe(429);
    expect(locked.body.error.message).toContain('sign-ins to this account');
    expect(locked.headers.get('retry-after')).not.toBeNull();
    // Another account is not held back.
    await perAccount.call('POST', '/api/auth/signup', { body: body('other@example.com') });
    expect(
      (await perAccount.call('POST', '/api/auth/signin', { body: body('other@example.com') })).status,
    ).toBe(200);
  });
});
