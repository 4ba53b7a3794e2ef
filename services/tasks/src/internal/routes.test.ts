import { describe, expect, it } from 'vitest';
import { testApi } from '../testing.ts';

const api = await testApi({ appApiToken: 'app-token' });
const token = await api.signup('America/New_York');
const owner = api.ownerOf(token);
const daprd = { 'dapr-api-token': 'app-token' };
const internal = (
  method: string,
  path: string,
  opts: { body?: unknown; headers?: Record<string, string> } = {},
) => api.call(method, path, { ...opts, headers: { ...daprd, ...opts.headers } });

const occurrence = {
  title: 'Water plants',
  priority: 'none',
  tags: ['home'],
  due: { date: '2026-11-25', time: '09:00' },
  reminders: [{ id: 'r1', offset: '-PT30M' }],
  recurrence: { rrule: 'FREQ=DAILY', mode: 'schedule' },
  seriesId: 'series-1',
  occurrence: '2026-11-25T09:00',
};

describe('internal routes for the workflow worker', () => {
  it('answer only daprd, which sends the app API token', async () => {
    for (const headers of [{}, { 'dapr-api-token': 'guess' }] as Record<string, string>[]) {
      const r = await api.call('GET', `/internal/owners/${owner}`, { headers });
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('UNAUTHORIZED');
    }
    // A user's bearer token is no way in either.
    expect((await api.call('GET', '/internal/live', { token })).status).toBe(401);
  });

  it('answer who a live session acts for, and null once it ended or for another owner', async () => {
    const mine = await api.signup('Europe/Berlin');
    const me = api.ownerOf(mine);
    const sid = JSON.parse(Buffer.from(mine.split('.')[1]!, 'base64url').toString()).sid as string;
    const ask = async (who: string) =>
      (await internal('GET', `/internal/sessions/${sid}?owner=${who}`)).body as { principal: unknown };
    expect(await ask(me)).toEqual({ principal: { id: me, tz: 'Europe/Berlin', sid } });
    expect(await ask(owner)).toEqual({ principal: null });
    expect((await internal('GET', `/internal/sessions/${sid}`)).status).toBe(400);
    expect((await api.call('POST', '/api/auth/signout', { token: mine })).status).toBe(204);
    expect(await ask(me)).toEqual({ principal: null });
  });

  it("read a task with its owner's zone, null when missing or deleted, UTC for an unknown owner", async () => {
    const t = (await api.call('POST', '/api/tasks', { token, body: { title: 'Read me' } })).body;
    expect((await internal('GET', `/internal/owners/${owner}/tasks/${t.id}`)).body).toEqual({
      task: t,
      zone: 'America/New_York',
    });
    expect((await internal('GET', `/internal/owners/${owner}`)).body).toEqual({ zone: 'America/New_York' });
    await api.call('DELETE', `/api/tasks/${t.id}`, { token });
    expect((await internal('GET', `/internal/owners/${owner}/tasks/${t.id}`)).body).toEqual({
      task: null,
      zone: 'America/New_York',
    });
    expect((await internal('GET', `/internal/owners/nobody/tasks/${t.id}`)).body).toEqual({
      task: null,
      zone: 'UTC',
    });
  });

  it('create a series instance once per Idempotency-Key, keeping reminder ids', async () => {
    const headers = { 'idempotency-key': 'series-1@2026-11-25T09:00' };
    const first = await internal('POST', `/internal/owners/${owner}/occurrences`, {
      headers,
      body: occurrence,
    });
    expect(first.status).toBe(201);
    expect(first.body.task).toMatchObject({
      title: 'Water plants',
      seriesId: 'series-1',
      occurrence: '2026-11-25T09:00',
      reminders: [{ id: 'r1', offset: '-PT30M' }],
      version: 1,
    });
    const again = await internal('POST', `/internal/owners/${owner}/occurrences`, {
      headers,
      body: { ...occurrence, title: 'Something else' },
    });
    expect(again.status).toBe(201);
    expect(again.body.task).toEqual(first.body.task);
    const listed = await api.call('GET', `/api/tasks?q=${encodeURIComponent('"Water plants"')}`, { token });
    expect(listed.body.tasks).toHaveLength(1);
  });

  it.each([
    [{}, occurrence, 'Idempotency-Key', 'required'],
    [{ 'idempotency-key': 'k' }, { ...occurrence, seriesId: undefined }, 'seriesId', ''],
    [{ 'idempotency-key': 'k' }, { ...occurrence, occurrence: 'tomorrow' }, 'occurrence', 'YYYY-MM-DD'],
    [{ 'idempotency-key': 'k' }, { ...occurrence, reminders: [{ offset: '-PT1H' }] }, 'reminders.0.id', ''],
    [{ 'idempotency-key': 'k' }, { ...occurrence, colour: 'red' }, 'colour', 'unknown field'],
  ])('refuse an occurrence with %j %j: 400 at %s', async (headers, body, path, issue) => {
    const r = await internal('POST', `/internal/owners/${owner}/occurrences`, { headers, body });
    expect(r.status).toBe(400);
    const detail = r.body.error.details.find((d: { path: string }) => d.path === path);
    expect(detail, JSON.stringify(r.body.error.details)).toBeDefined();
    expect(detail.issue).toContain(issue);
  });

  it('answer 404 for an occurrence of an owner without an account', async () => {
    const r = await internal('POST', '/internal/owners/nobody/occurrences', {
      headers: { 'idempotency-key': 'k' },
      body: occurrence,
    });
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('OWNER_NOT_FOUND');
  });

  it("page through every owner's open tasks with reminders or in a series", async () => {
    const other = await api.signup('Asia/Tokyo');
    const at = '2026-12-01T08:00:00Z';
    const make = async (t: string, body: Record<string, unknown>) =>
      (await api.call('POST', '/api/tasks', { token: t, body })).body.id as string;
    const expected = [
      await make(token, { title: 'Reminded', reminders: [{ at }] }),
      await make(other, { title: 'Gym', due: { date: '2026-11-26' }, recurrence: { rrule: 'FREQ=WEEKLY' } }),
      await make(other, { title: 'Theirs', reminders: [{ at }] }),
    ];
    await make(token, { title: 'Plain' });
    const done = await make(token, { title: 'Done', reminders: [{ at }] });
    await api.call('POST', `/api/tasks/${done}/complete`, { token });

    const items: { owner: string; zone: string; task: { id: string } }[] = [];
    let after: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await internal('GET', `/internal/live?limit=2${after ? `&after=${after}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      items.push(...page.body.items);
      after = page.body.next;
      if (!after) break;
    }
    const ids = items.map((i) => i.task.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining(expected));
    expect(ids).not.toContain(done);
    expect(items.find((i) => i.task.id === expected[1])).toMatchObject({
      owner: api.ownerOf(other),
      zone: 'Asia/Tokyo',
    });
    expect((await internal('GET', '/internal/live?limit=1001')).status).toBe(400);
    expect((await internal('GET', '/internal/live')).body.items.length).toBe(ids.length);
  });

  it('are not in the public OpenAPI document', async () => {
    const doc = (await api.call('GET', '/api/openapi.json')).body;
    expect(Object.keys(doc.paths).filter((p) => !p.startsWith('/api/'))).toEqual([]);
  });
});

describe('the purge-cron binding', () => {
  it('answers only daprd, and forgets the Idempotency-Keys of creates older than the retention', async () => {
    for (const method of ['OPTIONS', 'POST'])
      expect((await api.call(method, '/purge-cron', { headers: { 'dapr-api-token': 'guess' } })).status).toBe(
        401,
      );
    expect((await internal('OPTIONS', '/purge-cron')).status).toBe(200);
    const pair = await api.signupWithRefresh();
    let bearer = pair.token;
    const create = (key: string) =>
      api.call('POST', '/api/tasks', {
        token: bearer,
        body: { title: `Keyed ${key}` },
        headers: { 'idempotency-key': key },
      });
    const start = api.clock.now();
    try {
      const gone = await create('purge-old');
      expect(gone.status).toBe(201);
      expect((await api.call('DELETE', `/api/tasks/${gone.body.id}`, { token: bearer })).status).toBe(204);
      await api.relay.drain();
      // A day and a minute later (the default retention is 24 hours), and a newer create beside it.
      api.clock.advance(24 * 3600_000 + 60_000);
      const refreshed = await api.call('POST', '/api/auth/refresh', {
        body: { refreshToken: pair.refreshToken },
      });
      bearer = refreshed.body.token;
      const fresh = await create('purge-new');
      const swept = await internal('POST', '/purge-cron');
      expect(swept.status).toBe(200);
      expect(swept.body).toEqual({ purged: 1, forgotten: 0 });
      // The old key makes a new task now; the new one still answers its task.
      const again = await create('purge-old');
      expect(again.status).toBe(201);
      expect(again.body.id).not.toBe(gone.body.id);
      const repeat = await create('purge-new');
      expect(repeat.body.id).toBe(fresh.body.id);
    } finally {
      api.clock.set(start);
    }
  });
});
