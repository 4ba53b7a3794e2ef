// A session ended at the tasks app ends everywhere: chat, notifications and search ask the tasks app
// about each token's session (through their daprds, docs/decisions/0019), so a revoked token is refused
// there too and an open notification stream ends, instead of working until the token expires.
import { openEventStream } from '@todo/server/testing';
import { describe, expect, it } from 'vitest';
import { signUp, stack, tasksUrl, waitFor } from './helpers.ts';

const appUrl = (app: string, path: string) => `http://127.0.0.1:${stack().apps[app]}${path}`;

describe('sessions in every app', () => {
  it('a signed-out token is refused by chat, notifications and search, and its stream ends', async () => {
    const { token } = await signUp();
    const auth = { authorization: `Bearer ${token}` };
    const calls = {
      chat: () =>
        fetch(appUrl('chat', '/api/chat'), {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json' },
          body: JSON.stringify({ message: "what's due today" }),
        }),
      notifications: () => fetch(appUrl('notifications', '/api/notifications'), { headers: auth }),
      search: () => fetch(appUrl('search', '/api/search?q=anything'), { headers: auth }),
    };
    for (const [app, call] of Object.entries(calls)) {
      const res = await call();
      expect(res.status, `${app}: ${await res.clone().text()}`).toBe(200);
      await res.body?.cancel();
    }
    const stream = await openEventStream(appUrl('notifications', '/api/notifications/stream'), auth);
    expect(stream.res.status).toBe(200);

    const out = await fetch(tasksUrl('/api/auth/signout'), { method: 'POST', headers: auth });
    expect(out.status).toBe(204);

    for (const [app, call] of Object.entries(calls))
      await waitFor(
        `${app} to refuse the signed-out token`,
        async () => {
          const res = await call();
          await res.body?.cancel();
          return res.status === 401 ? true : undefined;
        },
        { timeoutMs: 60_000, everyMs: 1000 },
      );
    await stream.next((f) => f.event === 'session-ended', 60_000);
    stream.close();
  });
});
