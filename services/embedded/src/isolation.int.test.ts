import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokens } from '@todo/server';
import { apiCaller, openEventStream, type Reply } from '@todo/server/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { inSeconds, startEmbedded, until } from './testing.ts';

// Owner isolation over every route the embedded profile documents: a second owner (bob) never reads,
// changes, finds or is told about the first owner's (ada's) tasks, and every route behind sign-in refuses
// a missing, tampered, expired, revoked or foreign-key token. The route list comes from the OpenAPI
// documents, so a route added without a row here fails the first test.
const SECRET = 'isolation-test-signing-key-0123456789abcdef';
const dataDir = mkdtempSync(join(tmpdir(), 'embedded-isolation-'));
const started = await startEmbedded(dataDir, { JWT_SECRET: SECRET });
const child: ChildProcess = started.child;
const { base } = started;
const call = apiCaller(base);
afterAll(() => {
  child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const DOCUMENTS = [
  '/api/openapi.json',
  '/api/search/openapi.json',
  '/api/notifications/openapi.json',
  '/api/chat/openapi.json',
];
type Operation = { security?: unknown[] };
const documented: { route: string; auth: boolean }[] = [];
for (const doc of DOCUMENTS) {
  const { paths } = (await call('GET', doc)).body as { paths: Record<string, Record<string, Operation>> };
  for (const [path, ops] of Object.entries(paths))
    for (const [method, op] of Object.entries(ops))
      documented.push({ route: `${method.toUpperCase()} ${path}`, auth: Boolean(op.security?.length) });
}

async function signup(email: string) {
  const r = await call('POST', '/api/auth/signup', {
    body: { email, password: 'correct horse battery', tz: 'Europe/Berlin' },
  });
  expect(r.status).toBe(201);
  const token = r.body.token as string;
  const me = (await call('GET', '/api/me', { token })).body as { id: string };
  return { token, refreshToken: r.body.refreshToken as string, id: me.id, email };
}
const ada = await signup('ada@example.com');
const bob = await signup('bob@example.com');
const as = (token: string) => (method: string, path: string, body?: unknown) =>
  call(method, path, { token, ...(body === undefined ? {} : { body }) });
const asAda = as(ada.token);

// Ada's things, each marked so that a leak shows in any answer bob gets.
const MARK = 'ada-private-7f3c';
const adaStream = await openEventStream(`${base}/api/notifications/stream`, {
  authorization: `Bearer ${ada.token}`,
});
const bobStream = await openEventStream(`${base}/api/notifications/stream`, {
  authorization: `Bearer ${bob.token}`,
});
const task = (
  await asAda('POST', '/api/tasks', {
    title: `${MARK} pay rent`,
    tags: [MARK],
    due: { date: '2031-01-01', time: '09:00' },
    reminders: [
      { id: 'soon', at: inSeconds(1) },
      { id: 'later', offset: '-PT1H' },
    ],
    recurrence: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=1' },
  })
).body as { id: string; version: number };
const reminderWorkflow = `r~${task.id}~later`;
const seriesWorkflow = `s~${task.id}`;
const notification = await until('ada notified', async () => {
  const r = await asAda('GET', '/api/notifications');
  return (r.body.notifications as { id: string }[] | undefined)?.[0];
});
const webhook = (await asAda('POST', '/api/webhooks', { url: `https://1.1.1.1/${MARK}` })).body as {
  id: string;
};
const conversation = (await asAda('POST', '/api/chat', { message: 'list my tasks' })).body as {
  conversationId: string;
};
const adaSession = ((await asAda('GET', '/api/auth/sessions')).body.sessions as { id: string }[])[0]!.id;
const adaFeed = (await asAda('GET', '/api/calendar/feed')).body as { path: string };
const ids: Record<string, string> = {
  id: task.id,
  deliveryId: 'no-such-delivery',
  conversationId: conversation.conversationId,
};

/**
 * What bob tries on each route with ada's ids, and what he must get: a status, and never a mark of
 * ada's in the answer. `ids` names the path parameters, when they are not the task's.
 */
type Row =
  { public: string } | { status: number; params?: Record<string, string>; query?: string; body?: unknown };
const TABLE: Record<string, Row> = {
  'POST /api/auth/signup': { public: 'makes a new account' },
  'POST /api/auth/signin': { public: 'answers a token for the right password only' },
  'POST /api/auth/refresh': { public: "the session's own refresh token is the credential (checked below)" },
  'POST /api/recurrence/preview': { public: 'a calculator that touches no data' },
  'GET /api/calendar.ics': { public: "the feed's secret key is the credential (checked below)" },
  'GET /api/notifications/stream': { public: 'takes its token in the query as well (checked below)' },
  'POST /api/auth/signout': { status: 204 },
  'POST /api/auth/signout-all': { status: 204 },
  'GET /api/auth/sessions': { status: 200 },
  'DELETE /api/auth/sessions/{id}': { status: 404, params: { id: adaSession } },
  'GET /api/me': { status: 200 },
  'PATCH /api/me': { status: 200, body: { tz: 'Asia/Tokyo' } },
  'POST /api/tasks': { status: 201, body: { title: 'bob task' } },
  // By words of ada's title (the answer echoes the query, so not by her mark).
  'GET /api/tasks': { status: 200, query: 'q=pay%20rent' },
  'GET /api/tasks/{id}': { status: 404 },
  'PATCH /api/tasks/{id}': { status: 404, body: { title: 'taken over' } },
  'DELETE /api/tasks/{id}': { status: 404 },
  'POST /api/tasks/{id}/complete': { status: 404 },
  'POST /api/tasks/{id}/reopen': { status: 404 },
  'POST /api/tasks/{id}/skip': { status: 404 },
  'GET /api/tags': { status: 200 },
  'POST /api/tags/rename': { status: 200, body: { from: MARK, to: 'stolen' } },
  'POST /api/tags/merge': { status: 200, body: { from: [MARK], to: 'stolen' } },
  'GET /api/workflows': { status: 200 },
  'GET /api/workflows/{id}': { status: 404, params: { id: seriesWorkflow } },
  'POST /api/workflows/{id}/pause': { status: 404, params: { id: seriesWorkflow } },
  'POST /api/workflows/{id}/resume': { status: 404, params: { id: seriesWorkflow } },
  'POST /api/workflows/{id}/cancel': { status: 404, params: { id: reminderWorkflow } },
  'POST /api/workflows/{id}/skip': { status: 404, params: { id: seriesWorkflow } },
  'POST /api/workflows/{id}/snooze': { status: 404, params: { id: reminderWorkflow }, body: { minutes: 5 } },
  // Bob sees a history only of his own tasks: for ada's id, none.
  'GET /api/tasks/{id}/activity': { status: 200 },
  'GET /api/calendar/feed': { status: 200 },
  'POST /api/calendar/feed/rotate': { status: 200 },
  'GET /api/search': { status: 200, query: 'q=pay%20rent' },
  'GET /api/notifications': { status: 200 },
  'POST /api/notifications/read-all': { status: 200 },
  'POST /api/notifications/{id}/read': { status: 404, params: { id: notification.id } },
  'POST /api/webhooks': { status: 201, body: { url: 'https://1.1.1.1/bob' } },
  'GET /api/webhooks': { status: 200 },
  'DELETE /api/webhooks/{id}': { status: 404, params: { id: webhook.id } },
  'GET /api/webhooks/{id}/deliveries': { status: 404, params: { id: webhook.id } },
  'POST /api/webhooks/{id}/deliveries/{deliveryId}/redeliver': { status: 404, params: { id: webhook.id } },
  // Names ada's task in words bob could guess; her task stays open (checked below).
  'POST /api/chat': { status: 200, body: { message: 'done with pay rent' } },
  'GET /api/chat/{conversationId}': { status: 404 },
};

const pathOf = (route: string, params: Record<string, string> = {}) =>
  route
    .split(' ')[1]!
    .replace(/\{(\w+)\}/g, (_m, name: string) => encodeURIComponent(params[name] ?? ids[name]!));
const leaks = (r: Reply) =>
  [MARK, task.id, ada.id, ada.email, webhook.id, notification.id, adaSession].filter((s) =>
    JSON.stringify(r.body).includes(s),
  );

const other = createTokens('a-different-signing-key-of-the-same-length-00');
const expired = createTokens(SECRET, '-1h');
const adaSecond = (
  await call('POST', '/api/auth/signin', { body: { email: ada.email, password: 'correct horse battery' } })
).body.token as string;
expect((await as(adaSecond)('POST', '/api/auth/signout')).status).toBe(204);
const [head, payload, signature] = ada.token.split('.') as [string, string, string];
const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
const BAD_TOKENS: Record<string, string> = {
  tampered: `${head}.${Buffer.from(JSON.stringify({ ...claims, sub: bob.id })).toString('base64url')}.${signature}`,
  'bad signature': `${head}.${payload}.${signature.slice(0, -4)}AAAA`,
  expired: await expired.sign({
    id: ada.id,
    tz: 'Europe/Berlin',
    ...(claims.sid ? { sid: claims.sid as string } : {}),
  }),
  revoked: adaSecond,
  'foreign key': await other.sign({ id: ada.id, tz: 'Europe/Berlin', sid: claims.sid as string }),
  'not a token': 'hello',
};

describe('owner isolation over every documented route', () => {
  it('has one row for every route in the OpenAPI documents, and none for a route they lack', () => {
    expect(Object.keys(TABLE).sort()).toEqual(documented.map((d) => d.route).sort());
    for (const { route, auth } of documented) expect('public' in TABLE[route]!, route).toBe(!auth);
  });

  it("tells ada's stream of her reminder, and bob's stream nothing", async () => {
    const got = await adaStream.next((f) => f.event === 'reminder', 20_000);
    expect(got.data.taskId).toBe(task.id);
    // Bob's stream was open the whole time: a reminder of his own reaches it, and nothing of ada's before.
    const bobs = (
      await as(bob.token)('POST', '/api/tasks', { title: 'bob reminder', reminders: [{ at: inSeconds(1) }] })
    ).body as { id: string };
    expect(bobs.id).toBeTypeOf('string');
    const mine = await bobStream.next((f) => f.event === 'reminder', 20_000);
    expect(mine.data.taskId).toBe(bobs.id);
    expect(
      bobStream
        .events()
        .filter((f) => JSON.stringify(f.data).includes(MARK) || JSON.stringify(f.data).includes(task.id)),
    ).toEqual([]);
    for (const [what, token] of Object.entries(BAD_TOKENS)) {
      const r = await fetch(`${base}/api/notifications/stream?token=${encodeURIComponent(token)}`);
      expect(r.status, what).toBe(401);
      await r.body?.cancel();
    }
    adaStream.close();
    bobStream.close();
  });

  const guarded = Object.entries(TABLE).filter(([, row]) => !('public' in row));
  it.each(guarded.map(([route]) => route))(
    '%s refuses no token and a tampered, badly signed, expired, revoked, foreign-key or malformed one',
    async (route) => {
      const [method] = route.split(' ') as [string];
      const path = pathOf(route);
      expect((await call(method, path)).status, 'no token').toBe(401);
      for (const [what, token] of Object.entries(BAD_TOKENS)) {
        const r = await call(method, path, { token });
        expect(r.status, what).toBe(401);
        expect(r.body.error.code, what).toBeTypeOf('string');
      }
    },
  );

  // In the table's order, bob's sign-outs last (they end his token).
  const rank = (route: string) => (route.includes('signout-all') ? 2 : route.includes('signout') ? 1 : 0);
  const bobFirst = guarded.sort(([a], [b]) => rank(a) - rank(b));
  it.each(bobFirst.map(([route]) => route))(
    "%s: bob gets nothing of ada's and changes nothing",
    async (route) => {
      const row = TABLE[route] as Exclude<Row, { public: string }>;
      const [method] = route.split(' ') as [string];
      const path = pathOf(route, row.params) + (row.query ? `?${row.query}` : '');
      // A sign-out ends the session it is sent with: each gets a session of its own (signout-all, last, ends all).
      const token = route.includes('signout')
        ? ((
            await call('POST', '/api/auth/signin', {
              body: { email: bob.email, password: 'correct horse battery' },
            })
          ).body.token as string)
        : bob.token;
      const r = await as(token)(method, path, row.body);
      expect(r.status, JSON.stringify(r.body)).toBe(row.status);
      expect(leaks(r)).toEqual([]);
    },
  );

  it("leaves ada's task, tags, workflows, webhook, inbox and session as they were", async () => {
    const t = await asAda('GET', `/api/tasks/${task.id}`);
    expect(t.status).toBe(200);
    expect(t.body).toMatchObject({
      title: `${MARK} pay rent`,
      status: 'open',
      tags: [MARK],
      version: task.version,
    });
    const wf = (await asAda('GET', '/api/workflows')).body.workflows.map((w: { id: string }) => w.id);
    expect(wf).toEqual(expect.arrayContaining([reminderWorkflow, seriesWorkflow]));
    expect((await asAda('GET', `/api/workflows/${seriesWorkflow}`)).body.paused).toBe(false);
    expect((await asAda('GET', '/api/webhooks')).body.webhooks.map((w: { id: string }) => w.id)).toEqual([
      webhook.id,
    ]);
    const inbox = (await asAda('GET', '/api/notifications')).body.notifications as { id: string }[];
    expect(inbox.find((n) => n.id === notification.id)).toMatchObject({ read: false });
    expect(
      (await asAda('GET', '/api/auth/sessions')).body.sessions.map((s: { id: string }) => s.id),
    ).toContain(adaSession);
    expect((await asAda('GET', '/api/me')).body.tz).toBe('Europe/Berlin');
    const found = await asAda('GET', `/api/search?q=${MARK}`);
    expect(found.body.hits.map((h: { id: string }) => h.id)).toEqual([task.id]);
    // Ada's session refreshes with her refresh token only: made-up ones naming her session (of this
    // generation, of a later one, without a secret) get nothing, and her session lives on.
    for (const refreshToken of [
      `${adaSession}.0.${'A'.repeat(43)}`,
      `${adaSession}.1.x`,
      `${adaSession}.0`,
    ]) {
      const r = await call('POST', '/api/auth/refresh', { body: { refreshToken } });
      expect(r.status).toBe(401);
    }
    const refreshed = await call('POST', '/api/auth/refresh', { body: { refreshToken: ada.refreshToken } });
    expect(refreshed.status).toBe(200);
    expect((await as(refreshed.body.token)('GET', '/api/me')).body.id).toBe(ada.id);
    // Ada's feed address is hers alone: it carries her key, and a made-up key reads nothing.
    expect(await (await fetch(`${base}${adaFeed.path}`)).text()).toContain(MARK);
    expect((await call('GET', '/api/calendar.ics?key=made-up-key')).status).toBe(404);
  });
});
