import { describe, expect, it } from 'vitest';
import { stack, viaDapr, waitFor } from './helpers.ts';

// The web app as the stack runs it: its own process beside its daprd, reaching tasks, search and the
// others through Dapr service invocation, the session a cookie the browser keeps.

const web = (path: string) => `http://127.0.0.1:${stack().apps['web']}${path}`;
const tasksApi = viaDapr('chat');

describe('the web app in the stack', () => {
  it('signs up by a plain form, shows the board and finds a misspelt task, all through daprd', async () => {
    const email = `web-${Date.now()}@example.com`;
    const signup = await fetch(web('/signup'), {
      method: 'POST',
      body: new URLSearchParams({ email, password: 'correct horse battery', tz: 'Europe/Berlin' }),
      redirect: 'manual',
    });
    expect(signup.status).toBe(302);
    const session = signup.headers.getSetCookie().find((c) => c.startsWith('todo_session='));
    expect(session).toMatch(/HttpOnly/i);
    const cookie = session!.split(';')[0]!;

    // A task written by another client of the API (the token in the cookie is also a bearer token).
    const token = cookie.slice('todo_session='.length);
    const created = await fetch(`${tasksApi.base}/api/tasks`, {
      method: 'POST',
      headers: { ...tasksApi.headers, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        title: 'Pay the electricity invoice',
        due: { date: '2026-12-24' },
        tags: ['bills'],
      }),
    });
    expect(created.status).toBe(201);

    const board = await fetch(web('/board'), { headers: { cookie } });
    expect(board.status).toBe(200);
    expect(await board.text()).toContain('Pay the electricity invoice');

    const found = await waitFor('the search page to find the task', async () => {
      const page = await (await fetch(web('/search?q=invoce'), { headers: { cookie } })).text();
      return page.includes('electricity') ? page : undefined;
    });
    expect(found).toContain('<mark>invoice</mark>');

    // The browser's own /api calls (the stream, the feed) pass through the web app to their apps.
    const me = await fetch(web('/api/me'), { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ email, tz: 'Europe/Berlin' });

    // Once the session cookie ran out (the browser dropped it), the refresh cookie alone keeps the
    // session: the web app refreshes through daprd on the way and hands the browser both new cookies.
    const refresh = signup.headers.getSetCookie().find((c) => c.startsWith('todo_refresh='));
    expect(refresh).toMatch(/HttpOnly/i);
    const later = await fetch(web('/board'), { headers: { cookie: refresh!.split(';')[0]! } });
    expect(later.status).toBe(200);
    expect(await later.text()).toContain('Pay the electricity invoice');
    const renewed = later.headers.getSetCookie().map((c) => c.split(';')[0]!);
    expect(renewed.find((c) => c.startsWith('todo_session='))).toMatch(/^todo_session=[\w-]+\./);
    expect(renewed.find((c) => c.startsWith('todo_refresh='))).not.toBe(refresh!.split(';')[0]);

    // Without the cookie, the pages send to sign-in.
    const anonymous = await fetch(web('/board'), { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toMatch(/signin/);
  });
});
