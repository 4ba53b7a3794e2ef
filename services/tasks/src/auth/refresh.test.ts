import { describe, expect, it } from 'vitest';
import { ACCESS_TTL_SECONDS, testApi } from '../testing.ts';

const api = await testApi();

/** Runs `fn` and puts the test clock back after it, so the other tests keep their moment. */
async function atClock(fn: () => Promise<void>) {
  const start = api.clock.now();
  try {
    await fn();
  } finally {
    api.clock.set(start);
  }
}

const refresh = (refreshToken: string) => api.call('POST', '/api/auth/refresh', { body: { refreshToken } });
const tasks = (token: string) => api.call('GET', '/api/tasks', { token });
/** The cookies a response set, by name: their value and lower-cased attributes. */
function cookies(r: { headers: Headers }) {
  return Object.fromEntries(
    r.headers.getSetCookie().map((raw) => {
      const [pair, ...attrs] = raw.split(/;\s*/);
      const at = pair!.indexOf('=');
      return [pair!.slice(0, at), { value: pair!.slice(at + 1), attrs: attrs.map((a) => a.toLowerCase()) }];
    }),
  );
}

describe('access tokens with refresh', () => {
  it('answers a 15-minute access token beside a refresh token that lives as long as the session', async () => {
    const r = await api.call('POST', '/api/auth/signup', {
      body: { email: 'refresh-shape@example.com', password: 'correct horse' },
    });
    expect(r.status).toBe(201);
    const now = api.clock.now().getTime();
    expect(r.body).toEqual({
      token: expect.any(String),
      expiresAt: new Date(now + ACCESS_TTL_SECONDS * 1000).toISOString(),
      refreshToken: expect.stringMatching(/^[\w-]{24}\.0\.[\w-]{43}$/),
      refreshExpiresAt: new Date(now + 30 * 24 * 3600 * 1000).toISOString(),
    });
    const set = cookies(r);
    expect(set['todo_session']!.value).toBe(r.body.token);
    expect(set['todo_refresh']!.value).toBe(r.body.refreshToken);
    expect(set['todo_refresh']!.attrs).toEqual(
      expect.arrayContaining(['httponly', 'samesite=lax', 'path=/']),
    );
    // Only a hash is stored.
    const session = await api.store.getSession(api.sidOf(r.body.token));
    expect(session).toMatchObject({ refreshGen: 0 });
    expect(JSON.stringify(session)).not.toContain(r.body.refreshToken.split('.')[2]);
  });

  it('keeps a session going past many access tokens, each refresh rotating the refresh token', async () => {
    await atClock(async () => {
      let pair = await api.signupWithRefresh();
      const sid = api.sidOf(pair.token);
      for (let i = 1; i <= 4; i++) {
        api.clock.advance(ACCESS_TTL_SECONDS * 1000 - 1000);
        expect((await tasks(pair.token)).status).toBe(200);
        api.clock.advance(1000);
        const expired = await tasks(pair.token);
        expect(expired.status).toBe(401);
        const next = await refresh(pair.refreshToken);
        expect(next.status).toBe(200);
        expect(next.body.refreshToken).not.toBe(pair.refreshToken);
        expect(next.body.refreshToken.split('.').slice(0, 2)).toEqual([sid, String(i)]);
        expect(api.sidOf(next.body.token)).toBe(sid);
        expect(Date.parse(next.body.expiresAt)).toBe(api.clock.now().getTime() + ACCESS_TTL_SECONDS * 1000);
        pair = next.body;
        expect((await tasks(pair.token)).status).toBe(200);
      }
    });
  });

  it('ends the session when a refresh token is used a second time, for the thief and the owner alike', async () => {
    const first = await api.signupWithRefresh();
    const next = await refresh(first.refreshToken);
    expect(next.status).toBe(200);
    const again = await refresh(first.refreshToken);
    expect(again.status).toBe(401);
    expect(again.body.error.message).toMatch(/used before/);
    expect((await api.store.getSession(api.sidOf(first.token)))?.revokedAt).toBeDefined();
    // Every token of the session is dead now, the newest pair included.
    expect((await tasks(next.body.token)).status).toBe(401);
    expect((await refresh(next.body.refreshToken)).status).toBe(401);
  });

  it('lets one of two simultaneous uses of a refresh token win, and then ends the session', async () => {
    const first = await api.signupWithRefresh();
    const both = await Promise.all([refresh(first.refreshToken), refresh(first.refreshToken)]);
    expect(both.map((r) => r.status).sort()).toEqual([200, 401]);
    const won = both.find((r) => r.status === 200)!;
    expect((await tasks(won.body.token)).status).toBe(401);
  });

  it('refuses a made-up refresh token without ending the session it names', async () => {
    const pair = await api.signupWithRefresh();
    const [sid, gen] = pair.refreshToken.split('.');
    for (const forged of [
      `${sid}.${gen}.${'A'.repeat(43)}`,
      `${sid}.7.${'A'.repeat(43)}`,
      'nonsense',
      '..',
    ]) {
      const r = await refresh(forged);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBeDefined();
    }
    expect((await tasks(pair.token)).status).toBe(200);
    expect((await refresh(pair.refreshToken)).status).toBe(200);
  });

  it('refuses a refresh once the session expired (the refresh token expires with it)', async () => {
    await atClock(async () => {
      const pair = await api.signupWithRefresh();
      api.clock.set(new Date(Date.parse(pair.refreshExpiresAt) - 1000));
      const last = await refresh(pair.refreshToken);
      expect(last.status).toBe(200);
      // A refresh does not stretch the session: its access token stops with it.
      expect(last.body.expiresAt).toBe(pair.refreshExpiresAt);
      expect(last.body.refreshExpiresAt).toBe(pair.refreshExpiresAt);
      api.clock.advance(1000);
      expect((await refresh(last.body.refreshToken)).status).toBe(401);
      expect((await tasks(last.body.token)).status).toBe(401);
    });
  });

  it('kills the refresh token on sign-out, sign-out everywhere, and ending the session by id', async () => {
    const one = await api.signupWithRefresh();
    expect((await api.call('POST', '/api/auth/signout', { token: one.token })).status).toBe(204);
    expect((await refresh(one.refreshToken)).status).toBe(401);

    const two = await api.signupWithRefresh();
    expect((await api.call('POST', '/api/auth/signout-all', { token: two.token })).status).toBe(204);
    expect((await refresh(two.refreshToken)).status).toBe(401);

    const three = await api.signupWithRefresh();
    const sid = api.sidOf(three.token);
    expect((await api.call('DELETE', `/api/auth/sessions/${sid}`, { token: three.token })).status).toBe(204);
    expect((await refresh(three.refreshToken)).status).toBe(401);
  });

  it('takes the refresh cookie, sets both cookies again, and clears them when refused', async () => {
    const pair = await api.signupWithRefresh();
    const jar = `todo_refresh=${pair.refreshToken}`;
    const r = await api.call('POST', '/api/auth/refresh', { body: {}, headers: { cookie: jar } });
    expect(r.status).toBe(200);
    const set = cookies(r);
    expect(set['todo_session']!.value).toBe(r.body.token);
    expect(set['todo_refresh']!.value).toBe(r.body.refreshToken);
    // A cross-site page can not rotate it (it could not read the answer, but it would spend the token).
    const foreign = await api.call('POST', '/api/auth/refresh', {
      body: {},
      headers: { cookie: `todo_refresh=${r.body.refreshToken}`, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    // The old cookie again: reuse, refused, and both cookies dropped.
    const reused = await api.call('POST', '/api/auth/refresh', { body: {}, headers: { cookie: jar } });
    expect(reused.status).toBe(401);
    const dropped = cookies(reused);
    expect([dropped['todo_session']?.value, dropped['todo_refresh']?.value]).toEqual(['', '']);
  });

  it('answers 401 without a refresh token and 400 for a body it does not know', async () => {
    const none = await api.call('POST', '/api/auth/refresh', { body: {} });
    expect(none.status).toBe(401);
    expect(none.body.error.code).toBe('UNAUTHORIZED');
    const bad = await api.call('POST', '/api/auth/refresh', { body: { refreshToken: 5, extra: true } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual([
      'extra',
      'refreshToken',
    ]);
  });
});
