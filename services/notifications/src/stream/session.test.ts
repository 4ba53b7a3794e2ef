import { randomUUID } from 'node:crypto';
import { createTokens, type SessionCheck } from '@todo/server';
import { describe, expect, it } from 'vitest';
import { reminderEvent, testApi } from '../testing.ts';

// The session store is the task service's; here a set of live session ids stands in for it (the
// embedded process passes the real check, see services/tasks/src/auth/sessions.ts).
const live = new Set<string>();
const sessions: SessionCheck = async (sid, owner) => (live.has(sid) ? { id: owner, tz: 'UTC', sid } : null);
const api = await testApi({ sessions, sessionCheckMs: 50 });

async function signedIn() {
  const sid = randomUUID();
  live.add(sid);
  return { sid, ...(await api.user(sid)) };
}

describe('notification stream with sessions', () => {
  it('authenticates by the session cookie alone, with no token in the URL', async () => {
    const alice = await signedIn();
    const s = await api.stream({ cookie: alice.token });
    expect(s.res.status).toBe(200);
    const event = reminderEvent(alice.id, 'By cookie');
    await api.deliver(event);
    expect((await s.next()).data.id).toBe(event.id);
    s.close();
    const forged = await api.call('GET', '/api/notifications/stream', {
      headers: { cookie: 'todo_session=not-a-token' },
    });
    expect(forged.status).toBe(401);
  });

  it('ends an open stream when its session ends, and refuses to reopen it', async () => {
    const alice = await signedIn();
    const other = await signedIn();
    const s = await api.stream({ cookie: alice.token });
    const keeps = await api.stream({ cookie: other.token });
    live.delete(alice.sid);
    const last = await s.next((f) => f.event === 'session-ended', 2000);
    expect(last.event).toBe('session-ended');
    await expect(s.next(() => true, 2000)).rejects.toThrow(/ended/);
    expect(s.ended()).toBe(true);
    const again = await api.call('GET', '/api/notifications/stream', {
      headers: { cookie: `todo_session=${alice.token}` },
    });
    expect(again.status).toBe(401);
    // Another session's stream stays open and live.
    const event = reminderEvent(other.id, 'Still here');
    await api.deliver(event);
    expect((await keeps.next()).data.id).toBe(event.id);
    expect(keeps.ended()).toBe(false);
    keeps.close();
  });

  it('ends an open stream with token-expired when only its token runs out, for the client to reconnect', async () => {
    const sid = randomUUID();
    live.add(sid);
    const id = randomUUID();
    // The same key as the test app's, with a lifetime of two seconds.
    const token = await createTokens('test-secret-test-secret-test-secret!', '2s').sign({
      id,
      tz: 'UTC',
      sid,
    });
    const s = await api.stream({ cookie: token });
    expect(s.res.status).toBe(200);
    const last = await s.next((f) => f.event === 'token-expired' || f.event === 'session-ended', 5000);
    expect(last).toMatchObject({ event: 'token-expired', data: {} });
    await expect(s.next(() => true, 2000)).rejects.toThrow(/ended/);
    // The expired token opens nothing again; a fresh one of the same (live) session does.
    expect((await api.call('GET', '/api/notifications', { token })).status).toBe(401);
    const fresh = await createTokens('test-secret-test-secret-test-secret!').sign({ id, tz: 'UTC', sid });
    const again = await api.stream({ cookie: fresh });
    expect(again.res.status).toBe(200);
    again.close();
  });

  it('refuses a token without a session where sessions are checked, on the stream and the inbox', async () => {
    const bare = await api.user();
    expect((await api.call('GET', '/api/notifications/stream', { token: bare.token })).status).toBe(401);
    expect((await api.call('GET', `/api/notifications/stream?token=${bare.token}`)).status).toBe(401);
    expect((await api.call('GET', '/api/notifications', { token: bare.token })).status).toBe(401);
  });
});
