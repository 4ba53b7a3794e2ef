import { describe, expect, it } from 'vitest';
import { testApi } from '../testing.ts';

const api = await testApi();
const token = await api.signup();
const other = await api.signup();

async function create(body: Record<string, unknown>, t = token) {
  const r = await api.call('POST', '/api/tasks', { token: t, body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}

describe('tasks API', () => {
  it('needs a bearer token', async () => {
    const r = await api.call('GET', '/api/tasks');
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('UNAUTHORIZED');
    expect((await api.call('GET', '/api/tasks', { token: 'nope' })).status).toBe(401);
  });

  it('creates a task with defaults, an ETag, a Location and a task.created event in the outbox', async () => {
    const r = await api.call('POST', '/api/tasks', {
      token,
      body: { title: '  Pay rent ', tags: ['#Bills', 'bills'], due: { date: '2026-12-01', time: '09:00' } },
    });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({
      title: 'Pay rent',
      status: 'open',
      priority: 'none',
      tags: ['bills'],
      reminders: [],
      version: 1,
      createdAt: '2026-11-24T10:00:00.000Z',
    });
    expect(r.headers.get('etag')).toBe('"1"');
    expect(r.headers.get('location')).toBe(`/api/tasks/${r.body.id}`);
    const batch = (await api.store.pendingEvents(1000)).find((b) => b.taskId === r.body.id);
    expect(batch?.events.map((e) => e.type)).toEqual(['task.created']);
    expect(batch?.events[0]?.data.task).toEqual(r.body);
  });

  it.each([
    [{ title: 'x', colour: 'red' }, 'colour', 'unknown field'],
    [{ title: '' }, 'title', 'must not be empty'],
    [{ title: 'x'.repeat(501) }, 'title', '500'],
    [{ title: 'bell\u0007' }, 'title', 'control characters'],
    [{ title: 'x', priority: 'urgent' }, 'priority', ''],
    [{ title: 'x', due: { date: '2026-02-30' } }, 'due.date', 'not a calendar date'],
    [{ title: 'x', due: { date: '2026-12-01', time: '25:00' } }, 'due.time', 'HH:mm'],
    [{ title: 'x', due: { date: '2026-12-01', tz: 'Mars/Olympus' } }, 'due.tz', 'IANA'],
    [{ title: 'x', reminders: [{ offset: '-PT15M' }] }, 'reminders.0.offset', 'needs a due date'],
    [{ title: 'x', reminders: [{ offset: 'soon' }] }, 'reminders.0.offset', 'ISO 8601 duration'],
    [
      { title: 'x', reminders: [{ offset: '-PT1M', at: '2026-12-01T08:00:00Z' }] },
      'reminders.0',
      'do not go together or are unknown: at, offset',
    ],
    [
      { title: 'x', reminders: Array.from({ length: 11 }, () => ({ at: '2026-12-01T08:00:00Z' })) },
      'reminders',
      '10',
    ],
    [{ title: 'x', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }, 'tags', '20'],
    [{ title: 'x', recurrence: { rrule: 'FREQ=DAILY' } }, 'recurrence', 'needs a due date'],
    [
      { title: 'x', due: { date: '2026-12-01', time: '09:00' }, recurrence: { rrule: 'FREQ=MINUTELY' } },
      'recurrence.rrule',
      'more frequent than hourly',
    ],
    [
      { title: 'x', due: { date: '2026-12-01' }, recurrence: { rrule: 'FREQ=SOMETIMES' } },
      'recurrence.rrule',
      '',
    ],
  ])('rejects %j with a 400 naming %s', async (body, path, issue) => {
    const r = await api.call('POST', '/api/tasks', { token, body });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('VALIDATION_FAILED');
    const detail = r.body.error.details.find((d: { path: string }) => d.path === path);
    expect(detail, JSON.stringify(r.body.error.details)).toBeDefined();
    expect(detail.issue).toContain(issue);
  });

  it('answers malformed JSON, a wrong content type and an oversized body with clear 4xx', async () => {
    const bad = await api.call('POST', '/api/tasks', {
      token,
      body: '{"title":',
      headers: { 'content-type': 'application/json' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('MALFORMED_JSON');
    const text = await api.call('POST', '/api/tasks', {
      token,
      body: 'title=x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text.status).toBe(415);
    const huge = await api.call('POST', '/api/tasks', {
      token,
      body: { title: 'x', notes: 'n'.repeat(300_000) },
    });
    expect(huge.status).toBe(413);
    expect(huge.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses a series whose rule the engine cannot follow, at the write, and keeps a mixed BYDAY one', async () => {
    const r = await api.call('POST', '/api/tasks', {
      token,
      body: {
        title: 'Leap Mondays',
        due: { date: '2016-02-29', time: '09:00' },
        recurrence: { rrule: 'FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=9' },
      },
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].path).toBe('recurrence.rrule');
    expect(r.body.error.details[0].issue).toMatch(/YEARLY/);
    await create({
      title: 'Mondays and the last Friday',
      due: { date: '2026-01-05', time: '09:00', tz: 'Europe/Berlin' },
      recurrence: { rrule: 'FREQ=MONTHLY;BYDAY=MO,-1FR' },
    });
  });

  it('creates once per Idempotency-Key: a retry answers the first task with 200', async () => {
    const headers = { 'idempotency-key': 'series-1:2026-12-01' };
    const first = await api.call('POST', '/api/tasks', { token, headers, body: { title: 'Once' } });
    const retry = await api.call('POST', '/api/tasks', { token, headers, body: { title: 'Once' } });
    expect([first.status, retry.status]).toEqual([201, 200]);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    const elsewhere = await api.call('POST', '/api/tasks', {
      token: other,
      headers,
      body: { title: 'Once' },
    });
    expect(elsewhere.status).toBe(201);
    const bad = await api.call('POST', '/api/tasks', {
      token,
      headers: { 'idempotency-key': 'a b' },
      body: { title: 'x' },
    });
    expect(bad.body.error.details[0].path).toBe('Idempotency-Key');
  });

  it('changes once per Idempotency-Key: a retried PATCH or completion writes nothing new', async () => {
    const t = await create({ title: 'Plants', due: { date: '2026-12-01', time: '09:00' } });
    const reminders = [{ offset: '-PT1H' }];
    const patch = (key: string, body: unknown) =>
      api.call('PATCH', `/api/tasks/${t.id}`, { token, headers: { 'idempotency-key': key }, body });
    const first = await patch('turn-1-0', { reminders: [...reminders, { offset: '-PT10M' }] });
    expect(first.body.version).toBe(2);
    // The client's retry of the same change, after the task moved on elsewhere: nothing is written again.
    await api.call('PATCH', `/api/tasks/${t.id}`, { token, body: { title: 'Water plants' } });
    const retry = await patch('turn-1-0', { reminders: [...reminders, { offset: '-PT10M' }] });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ version: 3, title: 'Water plants' });
    expect((await patch('turn-2-0', { priority: 'high' })).body.version).toBe(4);
    const done = () =>
      api.call('POST', `/api/tasks/${t.id}/complete`, { token, headers: { 'idempotency-key': 'turn-3-0' } });
    expect((await done()).body.version).toBe(5);
    await api.call('POST', `/api/tasks/${t.id}/reopen`, { token });
    expect((await done()).body).toMatchObject({ version: 6, status: 'open' });
  });

  it("answers 404 for another owner's task, for every verb", async () => {
    const mine = await create({ title: 'Private' });
    for (const [method, path, body] of [
      ['GET', `/api/tasks/${mine.id}`],
      ['PATCH', `/api/tasks/${mine.id}`, { title: 'hijack' }],
      ['DELETE', `/api/tasks/${mine.id}`],
      ['POST', `/api/tasks/${mine.id}/complete`],
    ] as const) {
      const r = await api.call(method, path, { token: other, body });
      expect(r.status, `${method} ${path}`).toBe(404);
      expect(r.body.error.code).toBe('TASK_NOT_FOUND');
    }
    expect((await api.call('GET', `/api/tasks/${mine.id}`, { token })).body.title).toBe('Private');
  });

  it('updates with If-Match, answers 412 on a stale version, and clears a field with null', async () => {
    const t = await create({ title: 'Draft', notes: 'some notes' });
    const r = await api.call('PATCH', `/api/tasks/${t.id}`, {
      token,
      headers: { 'if-match': '"1"' },
      body: { title: 'Final', notes: null, priority: 'high' },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ title: 'Final', priority: 'high', version: 2 });
    expect(r.body.notes).toBeUndefined();
    const stale = await api.call('PATCH', `/api/tasks/${t.id}`, {
      token,
      headers: { 'if-match': '"1"' },
      body: { title: 'Lost' },
    });
    expect(stale.status).toBe(412);
    expect(stale.body.error.code).toBe('VERSION_MISMATCH');
    expect((await api.call('GET', `/api/tasks/${t.id}`, { token })).body.title).toBe('Final');
    const same = await api.call('PATCH', `/api/tasks/${t.id}`, { token, body: { title: 'Final' } });
    expect(same.body.version).toBe(2);
    const events = (await api.store.pendingEvents(1000)).find((b) => b.taskId === t.id)?.events;
    expect(events?.map((e) => [e.type, e.version, e.data.changed])).toEqual([
      ['task.created', 1, undefined],
      ['task.updated', 2, ['title', 'notes', 'priority']],
    ]);
  });

  it('keeps a snooze on a reminder, and refuses one that is not a UTC instant', async () => {
    const t = await create({ title: 'Snoozy', reminders: [{ id: 'r', at: '2026-11-24T11:00:00Z' }] });
    const snoozed = await api.call('PATCH', `/api/tasks/${t.id}`, {
      token,
      body: { reminders: [{ id: 'r', at: '2026-11-24T11:00:00Z', snoozedUntil: '2026-11-24T11:10:00Z' }] },
    });
    expect(snoozed.status).toBe(200);
    expect(snoozed.body.reminders).toEqual([
      { id: 'r', at: '2026-11-24T11:00:00Z', snoozedUntil: '2026-11-24T11:10:00Z' },
    ]);
    const bad = await api.call('PATCH', `/api/tasks/${t.id}`, {
      token,
      body: {
        reminders: [{ id: 'r', at: '2026-11-24T11:00:00Z', snoozedUntil: '2026-11-24T12:10:00+01:00' }],
      },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['reminders.0.snoozedUntil']);
  });

  it('completes, reopens, skips an occurrence and deletes', async () => {
    const t = await create({ title: 'Water plants' });
    const done = await api.call('POST', `/api/tasks/${t.id}/complete`, { token });
    expect(done.body).toMatchObject({ status: 'done', completedAt: '2026-11-24T10:00:00.000Z', version: 2 });
    const again = await api.call('POST', `/api/tasks/${t.id}/complete`, { token });
    expect(again.body.version).toBe(2);
    const open = await api.call('POST', `/api/tasks/${t.id}/reopen`, { token });
    expect(open.body).toMatchObject({ status: 'open', version: 3 });
    expect(open.body.completedAt).toBeUndefined();
    const skip = await api.call('POST', `/api/tasks/${t.id}/skip`, { token });
    expect(skip.status).toBe(409);
    expect(skip.body.error.code).toBe('NOT_RECURRING');

    const series = await create({
      title: 'Gym',
      due: { date: '2026-11-25', time: '07:00', tz: 'Europe/Berlin' },
      recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=WE' },
    });
    expect(series).toMatchObject({
      seriesId: series.id,
      occurrence: '2026-11-25T07:00',
      recurrence: { mode: 'schedule' },
    });
    expect((await api.call('POST', `/api/tasks/${series.id}/skip`, { token })).body.status).toBe('skipped');

    expect(
      (await api.call('DELETE', `/api/tasks/${t.id}`, { token, headers: { 'if-match': '2' } })).status,
    ).toBe(412);
    expect((await api.call('DELETE', `/api/tasks/${t.id}`, { token })).status).toBe(204);
    expect((await api.call('GET', `/api/tasks/${t.id}`, { token })).status).toBe(404);
    const types = (await api.store.pendingEvents(1000))
      .find((b) => b.taskId === t.id)
      ?.events.map((e) => e.type);
    expect(types).toEqual(['task.created', 'task.completed', 'task.reopened', 'task.deleted']);
  });

  it('lists with the query language, sorts and pages with a cursor', async () => {
    const owner = await api.signup();
    for (const [title, priority, date] of [
      ['alpha', 'low', '2026-11-26'],
      ['bravo', 'high', '2026-11-25'],
      ['charlie', 'medium', '2026-11-27'],
      ['delta', 'high', undefined],
    ] as const) {
      await create({ title, priority, ...(date ? { due: { date } } : {}) }, owner);
    }
    const byDue = await api.call('GET', '/api/tasks?sort=due', { token: owner });
    expect(byDue.body.tasks.map((t: { title: string }) => t.title)).toEqual([
      'bravo',
      'alpha',
      'charlie',
      'delta',
    ]);
    const high = await api.call('GET', `/api/tasks?q=${encodeURIComponent('priority:high has:due')}`, {
      token: owner,
    });
    expect(high.body.tasks.map((t: { title: string }) => t.title)).toEqual(['bravo']);
    expect(typeof high.body.query).toBe('string');

    const titles: string[] = [];
    let cursor = '';
    for (let i = 0; i < 5; i++) {
      const page = await api.call('GET', `/api/tasks?sort=-title&limit=3${cursor}`, { token: owner });
      titles.push(...page.body.tasks.map((t: { title: string }) => t.title));
      if (!page.body.next) break;
      cursor = `&cursor=${page.body.next}`;
    }
    expect(titles).toEqual(['delta', 'charlie', 'bravo', 'alpha']);

    const badQ = await api.call('GET', `/api/tasks?q=${encodeURIComponent('due:someday')}`, { token: owner });
    expect(badQ.status).toBe(400);
    expect(badQ.body.error.details[0].path).toBe('q');
    expect(
      (await api.call('GET', '/api/tasks?sort=colour', { token: owner })).body.error.details[0].path,
    ).toBe('sort');
    expect((await api.call('GET', '/api/tasks?limit=0', { token: owner })).body.error.details[0].path).toBe(
      'limit',
    );
    expect(
      (await api.call('GET', '/api/tasks?cursor=xyz', { token: owner })).body.error.details[0].path,
    ).toBe('cursor');
    expect((await api.call('GET', '/api/tasks?colour=red', { token: owner })).status).toBe(400);
  });

  it('counts, renames and merges tags', async () => {
    const owner = await api.signup();
    await create({ title: 'a', tags: ['home', 'chores'] }, owner);
    await create({ title: 'b', tags: ['house'] }, owner);
    await create({ title: 'c', tags: ['chores'] }, owner);
    expect((await api.call('GET', '/api/tags', { token: owner })).body.tags).toEqual([
      { tag: 'chores', count: 2 },
      { tag: 'home', count: 1 },
      { tag: 'house', count: 1 },
    ]);
    const merged = await api.call('POST', '/api/tags/merge', {
      token: owner,
      body: { from: ['house', 'Home'], to: 'home' },
    });
    expect(merged.body).toEqual({ updated: 1 });
    const renamed = await api.call('POST', '/api/tags/rename', {
      token: owner,
      body: { from: 'chores', to: 'housework' },
    });
    expect(renamed.body).toEqual({ updated: 2 });
    expect((await api.call('GET', '/api/tags', { token: owner })).body.tags).toEqual([
      { tag: 'home', count: 2 },
      { tag: 'housework', count: 2 },
    ]);
  });
});

describe('quotas per owner', async () => {
  const small = await testApi({ quotas: { tasks: 3, reminders: 2 } });
  const owner = await small.signup();
  const neighbour = await small.signup();
  const add = (body: Record<string, unknown>, t = owner) =>
    small.call('POST', '/api/tasks', { token: t, body });
  const due = { date: '2026-12-01', time: '09:00' };

  it('refuses a task past the tasks quota with 409 QUOTA_EXCEEDED, and takes one once another is deleted', async () => {
    const first = await add({ title: 'one', due, reminders: [{ offset: '-PT1H' }] });
    expect(first.status).toBe(201);
    expect((await add({ title: 'two' })).status).toBe(201);
    expect((await add({ title: 'three' })).status).toBe(201);
    const refused = await add({ title: 'four' });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({
      code: 'QUOTA_EXCEEDED',
      message: 'at most 3 tasks per owner: delete some first',
      details: [{ path: 'tasks', issue: 'the quota is 3 tasks per owner' }],
    });
    // Quotas are per owner.
    expect((await add({ title: 'theirs' }, neighbour)).status).toBe(201);
    const list = (await small.call('GET', '/api/tasks', { token: owner })).body.tasks;
    await small.call('DELETE', `/api/tasks/${list.find((t: any) => t.title === 'three').id}`, {
      token: owner,
    });
    expect((await add({ title: 'four' })).status).toBe(201);
  });

  it('counts the reminders of open tasks: a create or a change past the quota is refused', async () => {
    const mine = (await small.call('GET', '/api/tasks', { token: owner })).body.tasks;
    const one = mine.find((t: any) => t.title === 'one');
    const two = mine.find((t: any) => t.title === 'two');
    const more = { reminders: [{ offset: '-PT10M' }, { offset: '-PT5M' }], due };
    const refused = await small.call('PATCH', `/api/tasks/${two.id}`, { token: owner, body: more });
    expect(refused.status).toBe(409);
    expect(refused.body.error.details).toEqual([
      { path: 'reminders', issue: 'the quota is 2 reminders per owner' },
    ]);
    // One more fits; replacing a task's own reminders counts only the difference.
    const fits = { reminders: [{ offset: '-PT10M' }], due };
    expect((await small.call('PATCH', `/api/tasks/${two.id}`, { token: owner, body: fits })).status).toBe(
      200,
    );
    const swap = { reminders: [{ offset: '-PT30M' }] };
    expect((await small.call('PATCH', `/api/tasks/${one.id}`, { token: owner, body: swap })).status).toBe(
      200,
    );
    // A done task's reminders do not ring, so they do not count.
    await small.call('POST', `/api/tasks/${one.id}/complete`, { token: owner });
    const again = { reminders: [{ offset: '-PT20M' }, { offset: '-PT25M' }], due };
    expect((await small.call('PATCH', `/api/tasks/${two.id}`, { token: owner, body: again })).status).toBe(
      200,
    );
  });
});
