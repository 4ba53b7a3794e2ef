import { fixedClock, timerId, type TaskEvent, type TimerJob } from '@todo/core';
import { afterEach, describe, expect, it } from 'vitest';
import { recordKey, type SeriesRecord, type TaskRecord } from '../schedule.ts';
import { createTimerActivities } from '../timers/activities.ts';
import { memoryPublisher, memoryTasks } from '../testing/memory.ts';
import { createSqliteScheduler, type SqliteScheduler } from '../timers/scheduler.embedded.ts';
import type { Scheduler } from '../timers/scheduler.ts';
import { createCoordinator } from './consumer.ts';

// The coordinator over the SQLite timer table and state (the embedded profile's real parts), with the
// scheduler calls wrapped where a test needs one to fail or to wait. Events come from the in-memory task
// service, collected rather than delivered, so each test hands them over in the order it wants.

const open: SqliteScheduler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

function setup({ retention }: { retention?: number } = {}) {
  const clock = fixedClock('2025-06-10T08:00:00Z');
  const timers = createSqliteScheduler({ file: ':memory:', clock });
  open.push(timers);
  const events: TaskEvent[] = [];
  const tasks = memoryTasks({ clock, onEvent: async (e) => void events.push(e) });
  /** Calls on the timers pass through here; a test may put a hook in front of them. */
  let hook: (op: 'schedule' | 'cancel', key: string, job?: TimerJob) => Promise<void> = async () => {};
  const scheduler: Scheduler = {
    async schedule(key, at, job) {
      await hook('schedule', key, job);
      await timers.schedule(key, at, job);
    },
    async cancel(key) {
      await hook('cancel', key);
      await timers.cancel(key);
    },
  };
  const consume = createCoordinator({
    scheduler,
    state: timers.state,
    tasks,
    ...(retention ? { deletedRetentionSeconds: retention } : {}),
  });
  const timerAt = (key: string) => {
    const t = timers.get(key);
    return t && new Date(t.at).toISOString();
  };
  const record = async (taskId: string) =>
    (await timers.state.get<TaskRecord>(recordKey.task(taskId)))?.value;
  return {
    clock,
    timers,
    events,
    tasks,
    consume,
    timerAt,
    record,
    setHook: (h: typeof hook) => (hook = h),
  };
}

const AT1 = '2025-06-10T09:00:00.000Z';
const AT2 = '2025-06-10T10:00:00.000Z';

describe('the coordinator applies, then records', () => {
  it('records nothing when a timer call fails, so the redelivery applies the event', async () => {
    const { tasks, events, consume, setHook, timerAt, record } = setup();
    const t = await tasks.create('u', { title: 'call', reminders: [{ id: 'r', at: AT1 }] });
    setHook(async () => {
      throw new Error('daprd unavailable');
    });
    expect(await consume(events[0])).toBe('RETRY');
    expect(await record(t.id)).toBeUndefined();
    setHook(async () => {});
    expect(await consume(events[0])).toBe('SUCCESS');
    expect(timerAt(timerId({ kind: 'reminder', taskId: t.id, reminderId: 'r' }))).toBe(AT1);
    expect(await record(t.id)).toEqual({
      version: 1,
      timers: { [timerId({ kind: 'reminder', taskId: t.id, reminderId: 'r' })]: AT1 },
    });
  });

  it('when a newer event of the task is recorded meanwhile, puts back the timers the older one moved', async () => {
    const { tasks, events, consume, setHook, timerAt, record } = setup();
    const t = await tasks.create('u', { title: 'call', reminders: [{ id: 'r', at: AT1 }] });
    await tasks.update(t.id, { reminders: [{ id: 'r', at: AT2 }] });
    const [created, moved] = events as [TaskEvent, TaskEvent];
    // The older event (a dead letter drained back) reads the records, then waits in its timer call
    // while the newer one is applied and recorded; then it sets its (older) time over the newer one.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inCall = new Promise<void>((r) => (entered = r));
    setHook(async (_op, _key, job) => {
      if (job?.kind === 'reminder' && job.fireAt === AT1) {
        entered();
        await held;
      }
    });
    const older = consume(created);
    await inCall;
    expect(await consume(moved)).toBe('SUCCESS');
    expect(timerAt(timerId({ kind: 'reminder', taskId: t.id, reminderId: 'r' }))).toBe(AT2);
    release();
    expect(await older).toBe('SUCCESS');
    expect(timerAt(timerId({ kind: 'reminder', taskId: t.id, reminderId: 'r' }))).toBe(AT2);
    expect(await record(t.id)).toEqual({
      version: 2,
      timers: { [timerId({ kind: 'reminder', taskId: t.id, reminderId: 'r' })]: AT2 },
    });
  });

  it('a redelivered older event changes nothing', async () => {
    const { tasks, events, consume, setHook, timerAt } = setup();
    const t = await tasks.create('u', { title: 'call', reminders: [{ id: 'r', at: AT1 }] });
    await tasks.update(t.id, { reminders: [{ id: 'r', at: AT2 }] });
    expect(await consume(events[0])).toBe('SUCCESS');
    expect(await consume(events[1])).toBe('SUCCESS');
    const calls: string[] = [];
    setHook(async (op, key) => void calls.push(`${op} ${key}`));
    expect(await consume(events[0])).toBe('SUCCESS');
    expect(calls).toEqual([]);
    expect(timerAt(timerId({ kind: 'reminder', taskId: t.id, reminderId: 'r' }))).toBe(AT2);
  });
});

describe('a record from before timer ids', () => {
  it('is read with its timers under their ids: a change moves them, and the record is written anew', async () => {
    const { tasks, events, consume, setHook, timerAt, record, timers } = setup();
    const t = await tasks.create('u', {
      title: 'call',
      due: { date: '2025-06-10', time: '10:00' },
      reminders: [{ id: 'r', at: AT1 }],
      recurrence: { rrule: 'FREQ=DAILY', mode: 'schedule' },
    });
    const reminder = timerId({ kind: 'reminder', taskId: t.id, reminderId: 'r' });
    const due = timerId({ kind: 'due', taskId: t.id });
    // What a coordinator of 2026-12-05 recorded for the created event, and the timers it set then.
    expect(
      await timers.state.put(recordKey.task(t.id), {
        version: 1,
        timers: { [`${t.id}:r`]: AT1, [`${t.id}#due`]: AT2 },
      }),
    ).toBe(true);
    await timers.schedule(reminder, new Date(AT1), {
      kind: 'reminder',
      owner: 'u',
      taskId: t.id,
      reminderId: 'r',
      fireAt: AT1,
    });
    await timers.schedule(due, new Date(AT2), { kind: 'due', owner: 'u', taskId: t.id, at: AT2 });
    await tasks.update(t.id, { reminders: [{ id: 'r', at: AT2 }] });
    const calls: string[] = [];
    setHook(async (op, key) => void calls.push(`${op} ${key}`));
    expect(await consume(events.at(-1))).toBe('SUCCESS');
    // The reminder moved under its id; the due, unchanged, is left alone; no old key is cancelled (the
    // series, which has no record yet, is started).
    expect(calls.sort()).toEqual(
      [`schedule ${reminder}`, `schedule ${timerId({ kind: 'series', seriesId: t.seriesId! })}`].sort(),
    );
    expect(timerAt(reminder)).toBe(AT2);
    expect(timerAt(due)).toBe(AT2);
    expect(await record(t.id)).toEqual({ version: 2, timers: { [reminder]: AT2, [due]: AT2 } });
  });
});

describe('the records of a deleted task', () => {
  it('turn away its late events for the retention time, then are gone', async () => {
    const DAY = 24 * 60 * 60;
    const { clock, tasks, events, consume, record, timerAt, setHook } = setup({ retention: 35 * DAY });
    const t = await tasks.create('u', { title: 'call', reminders: [{ id: 'r', at: AT1 }] });
    await tasks.remove(t.id);
    for (const e of events) expect(await consume(e)).toBe('SUCCESS');
    expect(timerAt(timerId({ kind: 'reminder', taskId: t.id, reminderId: 'r' }))).toBeUndefined();
    clock.advance(34 * DAY * 1000);
    expect(await record(t.id)).toEqual({ version: 2, timers: {} });
    const calls: string[] = [];
    setHook(async (op, key) => void calls.push(`${op} ${key}`));
    expect(await consume(events[0])).toBe('SUCCESS'); // the created event again, from the dead letters
    expect(calls).toEqual([]);
    clock.advance(2 * DAY * 1000);
    expect(await record(t.id)).toBeUndefined();
  });
});

describe('a series', () => {
  it('hears nothing of the instance its own plan made (its workflow planned the next), but hears of edits', async () => {
    const { clock, tasks, events, consume, setHook, timers } = setup();
    const series = createTimerActivities({ tasks, publisher: memoryPublisher().publisher, clock });
    const head = await tasks.create('u', {
      title: 'standup',
      due: { date: '2025-06-10', time: '09:00' },
      recurrence: { rrule: 'FREQ=DAILY', mode: 'schedule' },
    });
    const key = timerId({ kind: 'series', seriesId: head.id });
    const calls: string[] = [];
    // The calls on the series' workflow (each instance's own due timer is left out).
    setHook(async (op, k, job) => {
      if (k === key) calls.push(`${op} ${k} ${job?.kind === 'materialise' ? job.occurrence : ''}`);
    });
    expect(await consume(events.at(-1))).toBe('SUCCESS');
    expect(calls).toEqual([`schedule ${key} 2025-06-11T09:00`]);

    // The workflow's timer fires: the activity makes the instance and plans the one after.
    const planned = timers.get(key)!;
    const made = await series.materialiseOccurrence(
      planned.job as Extract<TimerJob, { kind: 'materialise' }>,
    );
    expect(made).toMatchObject({ outcome: 'created', next: { job: { occurrence: '2025-06-12T09:00' } } });
    calls.length = 0;
    expect(await consume(events.at(-1))).toBe('SUCCESS'); // its task.created
    expect(calls).toEqual([]);
    const record = (await timers.state.get<SeriesRecord>(recordKey.series(head.id)))!.value;
    expect(record.planned).toEqual(made.outcome === 'created' ? made.next : undefined);

    // An edit of the instance that drives it now is sent.
    if (made.outcome !== 'created') throw new Error('not made');
    await tasks.update(made.task.id, { recurrence: { rrule: 'FREQ=WEEKLY', mode: 'schedule' } });
    expect(await consume(events.at(-1))).toBe('SUCCESS');
    expect(calls).toEqual([`schedule ${key} 2025-06-18T09:00`]);
  });
});

describe('a reminder fired from its plan (decision 0040)', () => {
  it("fires without reading its task while the plan's version is the one recorded, and reads once it is not", async () => {
    const { clock, tasks, events, consume, timers } = setup();
    const pub = memoryPublisher();
    const acts = createTimerActivities({ tasks, publisher: pub.publisher, clock, records: timers.state });
    const t = await tasks.create('u', {
      title: 'call',
      due: { date: '2025-06-10' },
      reminders: [{ id: 'r', at: AT1 }],
    });
    const key = timerId({ kind: 'reminder', taskId: t.id, reminderId: 'r' });
    const job = () => timers.get(key)!.job as Extract<TimerJob, { kind: 'reminder' }>;
    const fire = () => acts.fireReminder(job());

    // Planned and recorded at the plan's version: fired from the plan alone.
    expect(await consume(events[0])).toBe('SUCCESS');
    expect(await fire()).toBe('published');
    expect(tasks.reads()).toBe(0);
    expect(pub.published.at(-1)).toMatchObject({
      version: 1,
      data: {
        owner: 'u',
        taskId: t.id,
        reminderId: 'r',
        title: 'call',
        fireAt: AT1,
        due: { date: '2025-06-10' },
      },
    });

    // A change the coordinator applied that keeps the time: the plan's version is behind, so it reads.
    await tasks.update(t.id, { title: 'call mum' });
    expect(await consume(events.at(-1))).toBe('SUCCESS');
    expect(await fire()).toBe('published');
    expect(tasks.reads()).toBe(1);
    expect(pub.published.at(-1)).toMatchObject({ version: 2, data: { title: 'call mum' } });

    // Completed: the record moved on and no longer wants the timer; the read finds the task closed.
    const stale = job();
    await tasks.complete(t.id);
    expect(await consume(events.at(-1))).toBe('SUCCESS');
    expect(await acts.fireReminder(stale)).toBe('closed');
    expect(tasks.reads()).toBe(2);
    expect(pub.published).toHaveLength(2);
  });

  it('reads the task for a plan without its version (made before, or restored), or when the zone changed', async () => {
    const { clock, tasks, events, consume, timers } = setup();
    const pub = memoryPublisher();
    const acts = createTimerActivities({ tasks, publisher: pub.publisher, clock, records: timers.state });
    const t = await tasks.create('u', { title: 'call', reminders: [{ id: 'r', at: AT1 }] });
    expect(await consume(events[0])).toBe('SUCCESS');
    const key = timerId({ kind: 'reminder', taskId: t.id, reminderId: 'r' });
    const {
      version: _v,
      title: _t,
      zone: _z,
      ...bare
    } = timers.get(key)!.job as Extract<TimerJob, { kind: 'reminder' }>;
    expect(await acts.fireReminder(bare)).toBe('published');
    expect(tasks.reads()).toBe(1);
    const planned = timers.get(key)!.job as Extract<TimerJob, { kind: 'reminder' }>;
    expect(await acts.fireReminder({ ...planned, zone: 'Europe/Berlin' })).toBe('published');
    expect(tasks.reads()).toBe(2);
    expect(await acts.fireReminder(planned)).toBe('published');
    expect(tasks.reads()).toBe(2);
  });
});
