import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixedClock, timerId, type NotificationEvent, type Task } from '@todo/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createEmbeddedWorkflows, type EmbeddedWorkflows } from './embedded.ts';
import { memoryPublisher, memoryTasks } from './testing/memory.ts';

// Task events through the coordinator into the SQLite timer table, fired by its loop into the shared
// activities, ending as published events. The clock is injected: time moves when a test says so.

const dirs: string[] = [];
const running: EmbeddedWorkflows[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((w) => w.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function setup(start = '2025-06-10T08:00:00Z', zone = 'UTC', failPublish = () => false) {
  const dir = mkdtempSync(join(tmpdir(), 'embedded-'));
  dirs.push(dir);
  const clock = fixedClock(start);
  const pub = memoryPublisher(failPublish);
  let consume: ((e: unknown) => Promise<string>) | undefined;
  // The task service writes a moment after the timer that made it act, as it would for real.
  const tasks = memoryTasks({
    clock: { now: () => new Date(clock.now().getTime() + 20) },
    zone,
    onEvent: async (e) => {
      const answer = await consume!(e);
      if (answer !== 'SUCCESS') throw new Error(`coordinator answered ${answer}`);
    },
  });
  const wf = createEmbeddedWorkflows({
    file: join(dir, 'timers.db'),
    tasks,
    publisher: pub.publisher,
    clock,
  });
  consume = wf.coordinator;
  running.push(wf);
  wf.start();
  /** Moves the clock and waits until every timer due by then has fired (and what that set off). */
  async function at(time: string) {
    clock.set(time);
    wf.timers.poke();
    const now = Date.parse(time);
    await vi.waitFor(() => expect(wf.timers.list().filter((t) => t.at <= now)).toEqual([]), {
      timeout: 5000,
    });
  }
  const keys = () => wf.timers.list().map((t) => t.key);
  const reminders = () =>
    pub
      .delivered()
      .filter((e): e is Extract<NotificationEvent, { type: 'reminder.due' }> => e.type === 'reminder.due');
  const dues = () =>
    pub
      .delivered()
      .filter((e): e is Extract<NotificationEvent, { type: 'task.due' }> => e.type === 'task.due');
  return { clock, tasks, pub, wf, at, keys, reminders, dues };
}

describe('embedded reminders', () => {
  it('fires a reminder once, at its time', async () => {
    const { tasks, at, keys, reminders, pub } = setup();
    const t = await tasks.create('u1', {
      title: 'call mum',
      due: { date: '2025-06-10', time: '09:00' },
      reminders: [{ id: 'r', offset: '-PT15M' }],
    });
    expect(keys()).toEqual([timerId({ kind: 'reminder', taskId: t.id, reminderId: 'r' })]);
    await at('2025-06-10T08:44:59Z');
    expect(reminders()).toEqual([]);
    await at('2025-06-10T08:45:00Z');
    expect(reminders().map((e) => [e.data.taskId, e.data.fireAt])).toEqual([
      [t.id, '2025-06-10T08:45:00.000Z'],
    ]);
    expect(pub.published).toHaveLength(1);
    await at('2025-06-10T10:00:00Z');
    expect(pub.published).toHaveLength(1);
  });

  it('moves the reminder with the due', async () => {
    const { tasks, at, reminders, wf } = setup();
    const t = await tasks.create('u1', {
      title: 'dentist',
      due: { date: '2025-06-10', time: '09:00' },
      reminders: [{ id: 'r', offset: '-PT15M' }],
    });
    await tasks.update(t.id, { due: { date: '2025-06-10', time: '11:00' } });
    expect(wf.timers.list().map((x) => new Date(x.at).toISOString())).toEqual(['2025-06-10T10:45:00.000Z']);
    await at('2025-06-10T10:00:00Z');
    expect(reminders()).toEqual([]);
    await at('2025-06-10T10:45:00Z');
    expect(reminders().map((e) => e.data.fireAt)).toEqual(['2025-06-10T10:45:00.000Z']);
  });

  it('cancels on completion and deletion, and re-arms on reopen', async () => {
    const { tasks, at, keys, reminders } = setup();
    const fields = { due: { date: '2025-06-10', time: '09:00' }, reminders: [{ id: 'r', offset: '-PT15M' }] };
    const a = await tasks.create('u1', { title: 'a', ...fields });
    const b = await tasks.create('u1', { title: 'b', ...fields });
    await tasks.complete(a.id);
    await tasks.remove(b.id);
    expect(keys()).toEqual([]);
    await tasks.reopen(a.id);
    expect(keys()).toEqual([timerId({ kind: 'reminder', taskId: a.id, reminderId: 'r' })]);
    await at('2025-06-10T09:00:00Z');
    expect(reminders().map((e) => e.data.taskId)).toEqual([a.id]);
  });

  it('ignores a redelivered or older event', async () => {
    const { tasks, wf, keys } = setup();
    const t = await tasks.create('u1', {
      title: 'x',
      due: { date: '2025-06-10', time: '09:00' },
      reminders: [{ id: 'r', offset: '-PT15M' }],
    });
    await tasks.complete(t.id);
    const [created, completed] = tasks.events;
    expect(await wf.coordinator(created)).toBe('SUCCESS');
    expect(await wf.coordinator(completed)).toBe('SUCCESS');
    expect(keys()).toEqual([]);
    expect(await wf.coordinator({ nonsense: true })).toBe('DROP');
  });

  it('retries a reminder whose publish failed, with backoff, until it goes out', async () => {
    let failures = 2;
    const { tasks, at, reminders, keys } = setup(undefined, undefined, () => failures-- > 0);
    const t = await tasks.create('u1', {
      title: 'x',
      due: { date: '2025-06-10', time: '09:00' },
      reminders: [{ id: 'r', offset: '-PT15M' }],
    });
    await at('2025-06-10T08:45:00Z');
    expect(reminders()).toEqual([]);
    expect(keys()).toEqual([timerId({ kind: 'reminder', taskId: t.id, reminderId: 'r' })]);
    await at('2025-06-10T08:45:00.500Z');
    await at('2025-06-10T08:45:02Z');
    expect(reminders().map((e) => e.data.fireAt)).toEqual(['2025-06-10T08:45:00.000Z']);
    expect(keys()).toEqual([]);
  });

  it('asks for redelivery when it can not record the change', async () => {
    const { tasks, wf } = setup();
    await tasks.create('u1', { title: 'x', reminders: [{ id: 'r', at: '2025-06-10T09:00:00Z' }] });
    await wf.close();
    expect(await wf.coordinator({ ...tasks.events[0], version: 2 })).toBe('RETRY');
  });

  it('rings a reminder again at its snooze, as a new notification', async () => {
    const { tasks, at, reminders } = setup();
    const t = await tasks.create('u1', {
      title: 'take pills',
      due: { date: '2025-06-10', time: '09:00' },
      reminders: [{ id: 'r', offset: '-PT15M' }],
    });
    await at('2025-06-10T08:46:00Z');
    // "Again in 10 minutes", a minute after it rang: a task change like any other.
    await tasks.update(t.id, {
      reminders: [{ id: 'r', offset: '-PT15M', snoozedUntil: '2025-06-10T08:56:00.000Z' }],
    });
    await at('2025-06-10T08:55:59Z');
    expect(reminders()).toHaveLength(1);
    await at('2025-06-10T08:56:00Z');
    expect(reminders().map((e) => e.data.fireAt)).toEqual([
      '2025-06-10T08:45:00.000Z',
      '2025-06-10T08:56:00.000Z',
    ]);
    expect(new Set(reminders().map((e) => e.id)).size).toBe(2);
  });

  it('a stale timer whose task changed behind its back publishes nothing', async () => {
    const { tasks, at, pub, wf } = setup();
    const t = await tasks.create('u1', {
      title: 'x',
      due: { date: '2025-06-10', time: '09:00' },
      reminders: [{ id: 'r', offset: '-PT15M' }],
    });
    // A timer for an old fire time that the coordinator did not get to cancel (e.g. a lost race).
    await wf.timers.schedule('stale', new Date('2025-06-10T08:10:00Z'), {
      kind: 'reminder',
      owner: 'u1',
      taskId: t.id,
      reminderId: 'r',
      fireAt: '2025-06-10T08:10:00.000Z',
    });
    await at('2025-06-10T08:30:00Z');
    expect(pub.published).toEqual([]);
  });
});

describe('embedded series', () => {
  const daily = {
    title: 'water plants',
    due: { date: '2025-06-10', time: '09:00' },
    reminders: [{ id: 'r', offset: '-PT30M' }],
    recurrence: { rrule: 'FREQ=DAILY', mode: 'schedule' as const },
  };
  const occurrences = (all: Task[]) => all.map((t) => t.occurrence).sort();

  it('materialises the next instance in time for its reminder, and announces it when due', async () => {
    const { tasks, at, keys, reminders, dues } = setup();
    const head = await tasks.create('u1', daily);
    expect(keys().sort()).toEqual(
      [
        timerId({ kind: 'due', taskId: head.id }),
        timerId({ kind: 'reminder', taskId: head.id, reminderId: 'r' }),
        timerId({ kind: 'series', seriesId: head.id }),
      ].sort(),
    );
    await at('2025-06-10T09:00:00Z');
    expect(dues().map((e) => e.data.taskId)).toEqual([head.id]);
    await at('2025-06-11T08:30:00Z');
    expect(occurrences(tasks.all())).toEqual(['2025-06-10T09:00', '2025-06-11T09:00']);
    const next = tasks.all().find((t) => t.occurrence === '2025-06-11T09:00')!;
    expect(reminders().map((e) => [e.data.taskId, e.data.fireAt])).toEqual([
      [head.id, '2025-06-10T08:30:00.000Z'],
      [next.id, '2025-06-11T08:30:00.000Z'],
    ]);
    await at('2025-06-11T09:00:00Z');
    expect(dues().map((e) => e.data.occurrence)).toEqual(['2025-06-10T09:00', '2025-06-11T09:00']);
  });

  it('never makes two instances for the same date, whatever fires or is redelivered twice', async () => {
    const { tasks, at, wf } = setup();
    const head = await tasks.create('u1', daily);
    await at('2025-06-11T08:30:00Z');
    const input = { owner: 'u1', seriesId: head.id, fromTaskId: head.id, occurrence: '2025-06-11T09:00' };
    await wf.activities.materialiseOccurrence(input);
    await wf.activities.materialiseOccurrence(input);
    for (const e of [...tasks.events]) await wf.coordinator(e);
    // The old head changes (completed late): it must not plan the series again.
    await tasks.complete(head.id);
    await at('2025-06-12T08:00:00Z');
    expect(occurrences(tasks.all())).toEqual(['2025-06-10T09:00', '2025-06-11T09:00']);
    await at('2025-06-12T08:30:00Z');
    expect(occurrences(tasks.all())).toEqual(['2025-06-10T09:00', '2025-06-11T09:00', '2025-06-12T09:00']);
  });

  it('after downtime makes one instance, not a pile of missed ones', async () => {
    const { tasks, at } = setup();
    await tasks.create('u1', daily);
    await at('2025-06-15T10:00:00Z');
    expect(occurrences(tasks.all())).toEqual(['2025-06-10T09:00', '2025-06-15T09:00']);
    await at('2025-06-16T08:30:00Z');
    expect(occurrences(tasks.all())).toEqual(['2025-06-10T09:00', '2025-06-15T09:00', '2025-06-16T09:00']);
  });

  it('pauses and resumes', async () => {
    const { tasks, at, keys } = setup();
    const head = await tasks.create('u1', daily);
    await tasks.update(head.id, { recurrence: { ...daily.recurrence, paused: true } });
    expect(keys()).toEqual([]);
    await at('2025-06-12T10:00:00Z');
    expect(tasks.all()).toHaveLength(1);
    await tasks.update(head.id, { recurrence: daily.recurrence });
    await at('2025-06-12T10:00:01Z');
    expect(occurrences(tasks.all())).toEqual(['2025-06-10T09:00', '2025-06-12T09:00']);
  });

  it('after-completion schedules from the completion time', async () => {
    const { tasks, at, clock } = setup();
    const head = await tasks.create('u1', {
      ...daily,
      recurrence: { rrule: 'FREQ=DAILY;INTERVAL=3', mode: 'after-completion' },
    });
    await at('2025-06-13T12:00:00Z');
    expect(tasks.all()).toHaveLength(1);
    clock.set('2025-06-14T18:00:00Z');
    await tasks.complete(head.id);
    await at('2025-06-14T18:00:01Z');
    expect(occurrences(tasks.all())).toEqual(['2025-06-10T09:00', '2025-06-17T09:00']);
    const next = tasks.all().find((t) => t.occurrence === '2025-06-17T09:00')!;
    expect(next).toMatchObject({
      status: 'open',
      seriesId: head.id,
      due: { date: '2025-06-17', time: '09:00' },
    });
  });
});

describe('embedded inspector', () => {
  it('answers sleeping with the time of a waiting timer, none without one, in the order asked', async () => {
    const { tasks, at, wf } = setup();
    const t = await tasks.create('u1', {
      title: 'water plants',
      due: { date: '2025-06-10', time: '09:00' },
      reminders: [{ id: 'r', offset: '-PT30M' }],
      recurrence: { rrule: 'FREQ=DAILY', mode: 'schedule' },
    });
    const refs = [
      { kind: 'series' as const, seriesId: t.id },
      { kind: 'reminder' as const, taskId: t.id, reminderId: 'r' },
      { kind: 'reminder' as const, taskId: t.id, reminderId: 'gone' },
    ];
    expect(await wf.inspector.inspect(refs)).toEqual([
      { state: 'sleeping', at: '2025-06-11T08:30:00.000Z' },
      { state: 'sleeping', at: '2025-06-10T08:30:00.000Z' },
      { state: 'none' },
    ]);
    await at('2025-06-10T08:30:00Z');
    expect((await wf.inspector.inspect(refs)).map((i) => i.state)).toEqual(['sleeping', 'none', 'none']);
  });
});
