// Reminders and series as Dapr Workflows: the workflows app (worker, coordinator, reconciler) beside its
// daprd with placement and scheduler, fed by Kafka, publishing to the notifications app. Times are
// seconds from now; every user is new, so inboxes hold only what a test made.
import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Task } from '@todo/core';
import { describe, expect, it } from 'vitest';
import { createTask, daprHeaders, daprUrl, json, signUp, stack, tasksUrl, waitFor } from './helpers.ts';

type Inbox = { id: string; kind: 'reminder' | 'due'; taskId: string; data: Record<string, unknown> }[];

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const auth = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

/** The whole inbox, page after page. */
async function inbox(token: string): Promise<Inbox> {
  const all: Inbox = [];
  let cursor: string | undefined;
  do {
    const query = `limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await fetch(`http://127.0.0.1:${stack().apps['notifications']}/api/notifications?${query}`, {
      headers: auth(token),
    });
    const page = await json<{ notifications: Inbox; next?: string }>(res, 200);
    all.push(...page.notifications);
    cursor = page.next;
  } while (cursor);
  return all;
}

/** Waits for `n` notifications in the inbox, then a little longer to see that no more come. */
async function settledInbox(token: string, n: number, what: string): Promise<Inbox> {
  await waitFor(what, async () => ((await inbox(token)).length >= n ? true : undefined), {
    timeoutMs: 90_000,
  });
  await sleep(3000);
  return inbox(token);
}

async function patch(token: string, id: string, body: object): Promise<Task> {
  const res = await fetch(tasksUrl(`/api/tasks/${id}`), {
    method: 'PATCH',
    headers: auth(token),
    body: JSON.stringify(body),
  });
  return json<Task>(res, 200);
}

async function post(token: string, path: string): Promise<Task> {
  return json<Task>(await fetch(tasksUrl(path), { method: 'POST', headers: auth(token) }), 200);
}

async function tasks(token: string, q: string): Promise<Task[]> {
  const res = await fetch(tasksUrl(`/api/tasks?q=${encodeURIComponent(q)}&limit=100`), {
    headers: auth(token),
  });
  return (await json<{ tasks: Task[] }>(res, 200)).tasks;
}

/** A workflow instance as the workflows app's daprd reports it. */
async function workflow(
  id: string,
): Promise<{ runtimeStatus: string; createdAt: string; properties: Record<string, string> }> {
  const res = await fetch(daprUrl('workflows', `/v1.0/workflows/dapr/${encodeURIComponent(id)}`), {
    headers: daprHeaders('workflows'),
  });
  return json(res, 200);
}

/** SIGKILL to the process whose command line matches (the supervisor restarts it). */
function kill9(pattern: string): void {
  const pids = execFileSync('pgrep', ['-f', pattern], { encoding: 'utf8' }).trim().split('\n');
  expect(pids.filter(Boolean).length, pattern).toBeGreaterThan(0);
  for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
}

/** The first whole minute at or after an instant (a due's time has minutes, not seconds). */
const minuteAfter = (ms: number) => Math.ceil(ms / 60_000) * 60_000;

/** The UTC date and HH:mm of an instant, as a due spells them (test users are in UTC). */
function dueAt(ms: number): { date: string; time: string } {
  const iso = new Date(ms).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}

describe('reminder workflows', () => {
  it('a reminder fires once, at its time, into the inbox', async () => {
    const { token } = await signUp();
    const at = inSeconds(4);
    const task = await createTask(token, { title: 'Call the plumber', reminders: [{ id: 'r1', at }] });
    const sleeping = await waitFor('the reminder workflow to sleep', async () => {
      const wf = await workflow(`r~${task.id}~r1`).catch(() => undefined);
      return wf?.runtimeStatus === 'RUNNING' ? wf : undefined;
    });
    expect(JSON.parse(sleeping.properties['dapr.workflow.custom_status']!)).toEqual({
      state: 'sleeping',
      at,
    });
    // The management API asks the workflows app, through Dapr, about the same instance.
    const listed = await json<{ workflows: { id: string; status: string; nextAt?: string }[] }>(
      await fetch(tasksUrl('/api/workflows'), { headers: auth(token) }),
      200,
    );
    expect(listed.workflows).toEqual([
      expect.objectContaining({ id: `r~${task.id}~r1`, status: 'sleeping', nextAt: at }),
    ]);

    const got = await settledInbox(token, 1, 'the reminder');
    expect(got).toHaveLength(1);
    expect(got[0]!.kind).toBe('reminder');
    expect(got[0]).toMatchObject({ taskId: task.id, data: { reminderId: 'r1', fireAt: at } });
    const wf = await workflow(`r~${task.id}~r1`);
    expect(wf.runtimeStatus).toBe('COMPLETED');
    expect(wf.properties['dapr.workflow.output']).toBe('"fired"');
  });

  it('moving the due time moves a relative reminder', async () => {
    const { token } = await signUp();
    // A due on a minute a little over a minute ahead, the reminder ringing 66 s from now; then the due
    // a minute earlier, which brings the reminder to 6 s from now.
    const due = minuteAfter(Date.now() + 66_000);
    const before = Math.round((due - Date.now()) / 1000) - 66;
    const task = await createTask(token, {
      title: 'Submit the report',
      due: dueAt(due),
      reminders: [{ id: 'r1', offset: `-PT${before}S` }],
    });
    expect((await patch(token, task.id, { due: dueAt(due - 60_000) })).version).toBe(2);

    const got = await settledInbox(token, 1, 'the moved reminder');
    expect(got).toHaveLength(1);
    expect(got[0]!.data).toMatchObject({ fireAt: new Date(due - 60_000 - before * 1000).toISOString() });
  });

  it('completing or deleting the task cancels its reminder workflow', async () => {
    const { token } = await signUp();
    const at = inSeconds(5);
    const done = await createTask(token, { title: 'Done early', reminders: [{ id: 'r1', at }] });
    const gone = await createTask(token, { title: 'Not needed', reminders: [{ id: 'r1', at }] });
    const kept = await createTask(token, { title: 'Still wanted', reminders: [{ id: 'r1', at }] });
    await post(token, `/api/tasks/${done.id}/complete`);
    const del = await fetch(tasksUrl(`/api/tasks/${gone.id}`), { method: 'DELETE', headers: auth(token) });
    expect(del.status).toBe(204);

    const got = await settledInbox(token, 1, 'the one reminder still wanted');
    expect(got.map((n) => n.taskId)).toEqual([kept.id]);
    for (const id of [done.id, gone.id]) {
      const wf = await workflow(`r~${id}~r1`);
      expect(wf.runtimeStatus, id).toBe('COMPLETED');
      expect(wf.properties['dapr.workflow.output'], id).toBe('"cancelled"');
    }
  });

  it('a sleeping reminder survives kill -9 of the worker and of its daprd, and fires once', async () => {
    const { token } = await signUp();
    const at = inSeconds(25);
    const task = await createTask(token, { title: 'Survive the crash', reminders: [{ id: 'r1', at }] });
    await waitFor('the workflow to sleep', async () => {
      const wf = await workflow(`r~${task.id}~r1`);
      return wf.properties['dapr.workflow.custom_status']?.includes('sleeping') ? true : undefined;
    });
    kill9('workflows/src/server.ts');
    await sleep(1000);
    kill9('daprd.*--app-id workflows');

    const got = await settledInbox(token, 1, 'the reminder after both crashes');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ taskId: task.id, data: { fireAt: at } });
  });

  it('a burst of 300 reminders due at the same instant reaches the inbox, each once', async () => {
    const { token } = await signUp();
    const at = inSeconds(15);
    const reminders = Array.from({ length: 10 }, (_, i) => ({ id: `r${i}`, at }));
    const made = await Promise.all(
      Array.from({ length: 30 }, (_, i) => createTask(token, { title: `Burst ${i}`, reminders })),
    );
    const got = await settledInbox(token, 300, 'all 300 reminders');
    expect(got).toHaveLength(300);
    const keys = new Set(got.map((n) => `${n.taskId}/${String(n.data['reminderId'])}`));
    expect(keys.size).toBe(300);
    expect(new Set(got.map((n) => n.taskId))).toEqual(new Set(made.map((t) => t.id)));
  });

  it('the reconciler restarts a reminder workflow that was lost', async () => {
    const { token } = await signUp();
    const at = inSeconds(12);
    const task = await createTask(token, { title: 'Lost and found', reminders: [{ id: 'r1', at }] });
    const id = `r~${task.id}~r1`;
    const { createdAt } = await waitFor('the workflow to run', async () => {
      const wf = await workflow(id);
      return wf.runtimeStatus === 'RUNNING' ? wf : undefined;
    });
    const res = await fetch(daprUrl('workflows', `/v1.0/workflows/dapr/${id}/terminate`), {
      method: 'POST',
      headers: daprHeaders('workflows'),
    });
    expect(res.status).toBe(202);
    await waitFor('the terminated workflow to be started again by reconcile-cron', async () => {
      const wf = await workflow(id);
      return wf.runtimeStatus === 'RUNNING' && wf.createdAt !== createdAt ? true : undefined;
    });

    const got = await settledInbox(token, 1, 'the reminder of the restarted workflow');
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ taskId: task.id, data: { fireAt: at } });
  });
});

describe('series workflows', () => {
  it('a series makes its next instance once, and its carried reminder fires', async () => {
    const { token } = await signUp();
    // Daily at a time two days on; a reminder carried to every occurrence fires so long before its due
    // that the next occurrence (and so its instance) is due to be made in a few seconds.
    const first = minuteAfter(Date.now() + 24 * 3600_000 + 5 * 60_000);
    const second = first + 24 * 3600_000;
    const offset = Math.round((second - Date.now()) / 1000) - 6;
    const task = await createTask(token, {
      title: 'Daily stand-up notes',
      due: dueAt(first),
      recurrence: { rrule: 'FREQ=DAILY;COUNT=5' },
      reminders: [{ id: 'early', offset: `-PT${offset}S` }],
    });

    await waitFor('the next instance', async () =>
      (await tasks(token, 'status:open')).length >= 2 ? true : undefined,
    );
    await sleep(3000);
    const instances = await tasks(token, 'status:open');
    expect(instances).toHaveLength(2);
    const made = instances.find((t) => t.id !== task.id)!;
    expect(made).toMatchObject({ seriesId: task.id, due: { date: dueAt(second).date } });
    expect(made.recurrence?.rrule).toBe('FREQ=DAILY;COUNT=4');
    const got = await settledInbox(token, 1, "the new instance's reminder");
    expect(got.map((n) => n.taskId)).toEqual([made.id]);
    // The series workflow lives on, waiting for (or sleeping until) the next plan.
    expect((await workflow(`s~${task.id}`)).runtimeStatus).toBe('RUNNING');
  });

  it('after-completion mode schedules the next instance from the completion time', async () => {
    const { token } = await signUp();
    const due = dueAt(Date.now() + 10 * 24 * 3600_000);
    const task = await createTask(token, {
      title: 'Water the plants',
      due,
      recurrence: { rrule: 'FREQ=DAILY;INTERVAL=3', mode: 'after-completion' },
    });
    const done = await post(token, `/api/tasks/${task.id}/complete`);
    const made = await waitFor('the instance after completion', async () => {
      const open = await tasks(token, 'status:open');
      return open.length === 1 ? open[0] : undefined;
    });
    const completedDay = Date.parse(`${done.completedAt!.slice(0, 10)}T00:00:00Z`);
    expect(made).toMatchObject({
      seriesId: task.id,
      due: { date: new Date(completedDay + 3 * 24 * 3600_000).toISOString().slice(0, 10), time: due.time },
    });
  });

  it('a paused series makes nothing until it is resumed', async () => {
    const { token } = await signUp();
    const first = minuteAfter(Date.now() + 24 * 3600_000 + 5 * 60_000);
    const offset = Math.round((first + 24 * 3600_000 - Date.now()) / 1000) - 6;
    const task = await createTask(token, {
      title: 'Weekly review',
      due: dueAt(first),
      recurrence: { rrule: 'FREQ=DAILY' },
      reminders: [{ id: 'early', offset: `-PT${offset}S` }],
    });
    const paused = await patch(token, task.id, { recurrence: { rrule: 'FREQ=DAILY', paused: true } });
    expect(paused.recurrence?.paused).toBe(true);
    await waitFor('the series workflow to end on pause', async () => {
      const wf = await workflow(`s~${task.id}`);
      return wf.runtimeStatus === 'COMPLETED' ? true : undefined;
    });
    await sleep(9000); // past the time the next instance would have been made
    expect(await tasks(token, 'status:open')).toHaveLength(1);

    await patch(token, task.id, { recurrence: { rrule: 'FREQ=DAILY', paused: false } });
    const open = await waitFor('the instance after resuming', async () => {
      const all = await tasks(token, 'status:open');
      return all.length === 2 ? all : undefined;
    });
    expect(open.find((t) => t.id !== task.id)).toMatchObject({ seriesId: task.id });
  });
});
