import type { WorkflowInspection, WorkflowRef } from '@todo/core';
import { describe, expect, it } from 'vitest';
import { testApi } from '../testing.ts';

// The engine as a fake: every workflow sleeps, unless the test says the engine is down.
const asked: WorkflowRef[][] = [];
let down = false;
const api = await testApi({
  workflows: {
    async inspect(refs): Promise<WorkflowInspection[]> {
      asked.push(refs);
      if (down) throw new Error('engine down');
      return refs.map(() => ({ state: 'sleeping', at: '2026-12-01T00:00:00.000Z' }));
    },
  },
});
const token = await api.signup('Europe/Berlin');

async function create(body: Record<string, unknown>, t = token) {
  const r = await api.call('POST', '/api/tasks', { token: t, body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body;
}
const get = async (path: string, t = token) => (await api.call('GET', path, { token: t })).body;
const post = (path: string, body?: unknown, t = token) => api.call('POST', path, { token: t, body });

describe('/api/workflows', async () => {
  // 2026-11-24 10:00Z now; Berlin is UTC+1.
  const errand = await create({
    title: 'Post the letter',
    due: { date: '2026-11-25', time: '09:00' },
    reminders: [
      { id: 'before', offset: '-PT30M' },
      { id: 'noon', at: '2026-11-24T12:00:00Z' },
    ],
  });
  const gym = await create({
    title: 'Gym',
    due: { date: '2026-11-25', time: '07:00' },
    reminders: [{ id: 'r', offset: '-PT15M' }],
    recurrence: { rrule: 'FREQ=DAILY' },
  });
  await create({ title: 'No reminder' });
  const done = await create({ title: 'Done', reminders: [{ at: '2026-11-24T12:00:00Z' }] });
  await post(`/api/tasks/${done.id}/complete`);

  it("lists the reminders of open tasks and the series, soonest first, with the engine's state", async () => {
    const { workflows } = await get('/api/workflows');
    expect(workflows).toEqual([
      {
        id: `r~${errand.id}~noon`,
        kind: 'reminder',
        taskId: errand.id,
        reminderId: 'noon',
        title: 'Post the letter',
        status: 'sleeping',
        nextAt: '2026-11-24T12:00:00.000Z',
        paused: false,
        detail: 'at 2026-11-24T12:00:00Z',
      },
      expect.objectContaining({ id: `r~${gym.id}~r`, nextAt: '2026-11-25T05:45:00.000Z' }),
      expect.objectContaining({
        id: `r~${errand.id}~before`,
        nextAt: '2026-11-25T07:30:00.000Z',
        detail: '30 minutes before the due',
      }),
      {
        id: `s~${gym.id}`,
        kind: 'series',
        taskId: gym.id,
        seriesId: gym.id,
        title: 'Gym',
        status: 'sleeping',
        // The next instance is made 15 minutes before 07:00 Berlin on the 26th, for its reminder.
        nextAt: '2026-11-26T05:45:00.000Z',
        paused: false,
        detail: 'every day at 07:00; next: 2026-11-26 07:00',
      },
    ]);
    expect(asked.at(-1)).toHaveLength(4);
    expect((await get('/api/workflows?kind=series')).workflows.map((w: { id: string }) => w.id)).toEqual([
      `s~${gym.id}`,
    ]);
    expect((await get('/api/workflows?kind=reminder')).workflows).toHaveLength(3);
    const bad = await api.call('GET', '/api/workflows?kind=timer', { token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('kind');
  });

  it('pages with cursor and limit, in the same order, asking the engine only about each page', async () => {
    const whole = (await get('/api/workflows')).workflows.map((w: { id: string }) => w.id);
    expect(whole).toHaveLength(4);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await get(`/api/workflows?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      expect(asked.at(-1)).toHaveLength(page.workflows.length);
      seen.push(...page.workflows.map((w: { id: string }) => w.id));
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(pages).toBe(2);
    expect(seen).toEqual(whole);
    const first = await get('/api/workflows?limit=1');
    // A cursor belongs to its list: another kind's, or a made-up one, is refused.
    const foreign = await api.call('GET', `/api/workflows?kind=reminder&cursor=${first.next}`, { token });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.details).toEqual([
      { path: 'cursor', issue: 'not a cursor from this list: start again without it' },
    ]);
    expect((await api.call('GET', '/api/workflows?cursor=bm9wZQ', { token })).status).toBe(400);
    expect((await api.call('GET', '/api/workflows?limit=0', { token })).status).toBe(400);
    expect((await api.call('GET', '/api/workflows?limit=201', { token })).status).toBe(400);
  });

  it("shows one workflow with its task's latest activity, and 404 for anything else", async () => {
    await post(`/api/tasks/${errand.id}/complete`);
    await post(`/api/tasks/${errand.id}/reopen`);
    await api.relay.drain();
    const one = await get(`/api/workflows/r~${errand.id}~before`);
    expect(one).toMatchObject({ id: `r~${errand.id}~before`, status: 'sleeping' });
    expect(one.recent.map((a: { type: string }) => a.type)).toEqual([
      'task.reopened',
      'task.completed',
      'task.created',
    ]);
    const other = await api.signup();
    for (const id of [`r~${errand.id}~nope`, `r~nope~before`, 's~nope', 'nonsense', `s~${errand.id}`]) {
      const r = await api.call('GET', `/api/workflows/${id}`, { token });
      expect(r.status, id).toBe(404);
      expect(r.body.error.code).toBe('WORKFLOW_NOT_FOUND');
    }
    expect((await api.call('GET', `/api/workflows/s~${gym.id}`, { token: other })).status).toBe(404);
  });

  it('snoozes a reminder: it rings no earlier than the snooze, through a task change', async () => {
    const id = `r~${errand.id}~before`;
    const r = await post(`/api/workflows/${id}/snooze`, { minutes: 24 * 60 });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({
      id,
      nextAt: '2026-11-25T10:00:00.000Z',
      detail: '30 minutes before the due, snoozed until 2026-11-25T10:00:00.000Z',
    });
    const task = await get(`/api/tasks/${errand.id}`);
    expect(task.reminders).toContainEqual({
      id: 'before',
      offset: '-PT30M',
      snoozedUntil: '2026-11-25T10:00:00.000Z',
    });
    const events = (await api.store.pendingEvents(1000)).find((b) => b.taskId === errand.id)!.events;
    expect(events.at(-1)).toMatchObject({ type: 'task.updated', data: { changed: ['reminders'] } });
    // An instant with an offset is taken as that instant.
    const until = await post(`/api/workflows/${id}/snooze`, { until: '2026-11-25T12:00:00+01:00' });
    expect(until.body.nextAt).toBe('2026-11-25T11:00:00.000Z');
  });

  it.each([
    [{ minutes: 0 }, 'minutes'],
    [{ minutes: 10081 }, 'minutes'],
    [{ until: '2026-11-24T09:00:00Z' }, 'until'],
    [{ until: 'tomorrow' }, 'until'],
    [{ minutes: 5, until: '2026-11-25T00:00:00Z' }, '(body)'],
  ])('refuses the snooze %j with a 400 at %s', async (body, path) => {
    const r = await post(`/api/workflows/r~${errand.id}~noon/snooze`, body);
    expect(r.status).toBe(400);
    expect(r.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('answers 409 to an action for the other kind', async () => {
    for (const action of ['pause', 'resume', 'skip']) {
      const r = await post(`/api/workflows/r~${errand.id}~noon/${action}`);
      expect(r.status, action).toBe(409);
      expect(r.body.error.code).toBe('NOT_A_SERIES');
    }
    const r = await post(`/api/workflows/s~${gym.id}/snooze`, { minutes: 5 });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('NOT_A_REMINDER');
  });

  it('pauses and resumes a series by its newest instance', async () => {
    // The workflows made the next instance: it now drives the series.
    const next = await api.call('POST', `/internal/owners/${api.ownerOf(token)}/occurrences`, {
      headers: { 'dapr-api-token': 'test-app-token', 'idempotency-key': `${gym.id}@2026-11-26T07:00` },
      body: {
        title: 'Gym',
        priority: 'none',
        tags: [],
        due: { date: '2026-11-26', time: '07:00' },
        reminders: [{ id: 'r', offset: '-PT15M' }],
        recurrence: { rrule: 'FREQ=DAILY', mode: 'schedule' },
        seriesId: gym.id,
        occurrence: '2026-11-26T07:00',
      },
    });
    const head = next.body.task;
    const paused = await post(`/api/workflows/s~${gym.id}/pause`);
    expect(paused.body).toMatchObject({ taskId: head.id, paused: true, status: 'sleeping' });
    expect(paused.body.nextAt).toBeUndefined();
    expect((await get(`/api/tasks/${head.id}`)).recurrence.paused).toBe(true);
    expect((await get(`/api/tasks/${gym.id}`)).recurrence.paused).toBeUndefined();
    const again = await post(`/api/workflows/s~${gym.id}/pause`);
    expect(again.body.paused).toBe(true);
    const resumed = await post(`/api/workflows/s~${gym.id}/resume`);
    expect(resumed.body).toMatchObject({ paused: false, nextAt: '2026-11-27T05:45:00.000Z' });
    expect((await get(`/api/tasks/${head.id}`)).recurrence).toEqual({
      rrule: 'FREQ=DAILY',
      mode: 'schedule',
    });
  });

  it("skips a series' next occurrence by adding it to the exdate", async () => {
    const daily = await create({
      title: 'Stretch',
      due: { date: '2026-11-25' },
      recurrence: { rrule: 'FREQ=DAILY' },
    });
    const before = (await get(`/api/workflows/s~${daily.id}`)).detail;
    expect(before).toContain('next: 2026-11-26');
    const skipped = await post(`/api/workflows/s~${daily.id}/skip`);
    expect(skipped.body.detail).toContain('next: 2026-11-27');
    expect((await get(`/api/tasks/${daily.id}`)).recurrence.exdate).toEqual(['2026-11-26T00:00']);
    await post(`/api/workflows/s~${daily.id}/skip`);
    expect((await get(`/api/tasks/${daily.id}`)).recurrence.exdate).toEqual([
      '2026-11-26T00:00',
      '2026-11-27T00:00',
    ]);

    const once = await create({
      title: 'Once',
      due: { date: '2026-11-25', time: '08:00' },
      recurrence: { rrule: 'FREQ=DAILY;COUNT=1' },
    });
    expect((await post(`/api/workflows/s~${once.id}/skip`)).body.error.code).toBe('NOTHING_TO_SKIP');
    const chores = await create({
      title: 'Chores',
      due: { date: '2026-11-25', time: '08:00' },
      recurrence: { rrule: 'FREQ=DAILY;INTERVAL=3', mode: 'after-completion' },
    });
    const r = await post(`/api/workflows/s~${chores.id}/skip`);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('NOT_SKIPPABLE');
  });

  it('cancels a reminder (removed from its task) and ends a series (no recurrence left)', async () => {
    const noon = await post(`/api/workflows/r~${errand.id}~noon/cancel`);
    expect(noon.status).toBe(200);
    expect(noon.body).toMatchObject({ id: `r~${errand.id}~noon`, kind: 'reminder' });
    expect(noon.body.nextAt).toBeUndefined();
    expect((await get(`/api/tasks/${errand.id}`)).reminders.map((r: { id: string }) => r.id)).toEqual([
      'before',
    ]);
    expect((await api.call('GET', `/api/workflows/r~${errand.id}~noon`, { token })).status).toBe(404);

    const weekly = await create({
      title: 'Bins',
      due: { date: '2026-11-26' },
      recurrence: { rrule: 'FREQ=WEEKLY' },
    });
    const ended = await post(`/api/workflows/s~${weekly.id}/cancel`);
    expect(ended.body).toMatchObject({ id: `s~${weekly.id}`, kind: 'series', seriesId: weekly.id });
    expect(ended.body.nextAt).toBeUndefined();
    const task = await get(`/api/tasks/${weekly.id}`);
    expect(task.recurrence).toBeUndefined();
    expect(task.status).toBe('open');
    const ids = (await get('/api/workflows?kind=series')).workflows.map((w: { id: string }) => w.id);
    expect(ids).not.toContain(`s~${weekly.id}`);
  });

  it('shows status unknown, and still answers, when the engine can not be asked', async () => {
    down = true;
    try {
      const r = await api.call('GET', '/api/workflows', { token });
      expect(r.status).toBe(200);
      expect(new Set(r.body.workflows.map((w: { status: string }) => w.status))).toEqual(
        new Set(['unknown']),
      );
    } finally {
      down = false;
    }
  });

  it('is in the OpenAPI document', async () => {
    const doc = await get('/api/openapi.json');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/workflows', '/api/workflows/{id}', '/api/workflows/{id}/snooze']),
    );
    expect(doc.paths['/api/workflows/{id}/pause'].post.responses['409']).toBeDefined();
  });
});

describe('/api/workflows without an engine', async () => {
  const plain = await testApi();
  it("shows status 'unknown'", async () => {
    const t = await plain.signup();
    await plain.call('POST', '/api/tasks', {
      token: t,
      body: { title: 'x', reminders: [{ at: '2026-12-01T00:00:00Z' }] },
    });
    const { workflows } = (await plain.call('GET', '/api/workflows', { token: t })).body;
    expect(workflows.map((w: { status: string }) => w.status)).toEqual(['unknown']);
  });
});
