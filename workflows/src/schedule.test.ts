import { timerId, type Task, type TaskEvent, type TaskEventType } from '@todo/core';
import { describe, expect, it } from 'vitest';
import { reminderEventId } from './timers/activities.ts';
import { DEFAULT_SCHEDULE, planTaskEvent, type SeriesRecord, type TaskRecord } from './schedule.ts';
import { series, task } from '@todo/core/testing';

function event(type: TaskEventType, t: Task, time = t.updatedAt): TaskEvent {
  return {
    id: `e${t.version}`,
    type,
    time,
    subject: t.id,
    version: t.version,
    data: { owner: 'u1', task: t },
  };
}
describe('planTaskEvent', () => {
  const due = { date: '2025-06-10', time: '09:00' };
  const withReminder = task({ due, reminders: [{ id: 'r', offset: '-PT30M' }] });

  it('starts a timer per reminder of a new task', () => {
    const plan = planTaskEvent(event('task.created', withReminder), { zone: 'UTC' })!;
    expect(plan.actions).toEqual([
      {
        op: 'start',
        key: 'r~t1~r',
        at: '2025-06-10T08:30:00.000Z',
        job: {
          kind: 'reminder',
          owner: 'u1',
          taskId: 't1',
          reminderId: 'r',
          fireAt: '2025-06-10T08:30:00.000Z',
          // What the reminder says, as of the event's version, in the zone the time was computed in.
          version: 1,
          title: 'pay rent',
          due,
          zone: 'UTC',
        },
      },
    ]);
    expect(plan.record).toEqual({ version: 1, timers: { 'r~t1~r': '2025-06-10T08:30:00.000Z' } });
  });

  it('updates a moved reminder, keeps an unchanged one, cancels a removed one', () => {
    const prev: TaskRecord = {
      version: 1,
      timers: { 'r~t1~r': '2025-06-10T08:30:00.000Z', 'r~t1~x': '2025-06-10T08:00:00.000Z' },
    };
    const moved = { ...withReminder, version: 2, due: { date: '2025-06-10', time: '10:00' } };
    const plan = planTaskEvent(event('task.updated', moved), { prev, zone: 'UTC' })!;
    expect(plan.actions.map((a) => [a.op, a.key])).toEqual([
      ['update', 'r~t1~r'],
      ['cancel', 'r~t1~x'],
    ]);
    const same = planTaskEvent(event('task.updated', { ...withReminder, version: 2 }), {
      prev: { version: 1, timers: { 'r~t1~r': '2025-06-10T08:30:00.000Z' } },
      zone: 'UTC',
    })!;
    expect(same.actions).toEqual([]);
  });

  it('cancels every timer on completion, skip and deletion', () => {
    const prev: TaskRecord = { version: 1, timers: { 'r~t1~r': '2025-06-10T08:30:00.000Z' } };
    for (const [type, status] of [
      ['task.completed', 'done'],
      ['task.skipped', 'skipped'],
      ['task.deleted', 'open'],
    ] as const) {
      const plan = planTaskEvent(event(type, { ...withReminder, status, version: 2 }), {
        prev,
        zone: 'UTC',
      })!;
      expect(plan.actions).toEqual([{ op: 'cancel', key: 'r~t1~r' }]);
      expect(plan.record).toEqual({ version: 2, timers: {} });
    }
  });

  it('moves a reminder that already rang to its snooze, under a new event id', () => {
    // The timer fired at 08:30 (the record still names that time); at 08:31 the user snoozes 10 minutes.
    const prev: TaskRecord = { version: 1, timers: { 'r~t1~r': '2025-06-10T08:30:00.000Z' } };
    const snoozed = {
      ...withReminder,
      version: 2,
      updatedAt: '2025-06-10T08:31:00.000Z',
      reminders: [{ id: 'r', offset: '-PT30M', snoozedUntil: '2025-06-10T08:41:00.000Z' }],
    };
    const plan = planTaskEvent(event('task.updated', snoozed), { prev, zone: 'UTC' })!;
    expect(plan.actions).toEqual([
      {
        op: 'update',
        key: 'r~t1~r',
        at: '2025-06-10T08:41:00.000Z',
        job: {
          kind: 'reminder',
          owner: 'u1',
          taskId: 't1',
          reminderId: 'r',
          fireAt: '2025-06-10T08:41:00.000Z',
          version: 2,
          title: 'pay rent',
          due,
          zone: 'UTC',
        },
      },
    ]);
    // The notification's id is derived from the fire time, so the snoozed ring is not taken for a repeat.
    expect(reminderEventId('t1', 'r', '2025-06-10T08:41:00.000Z')).not.toBe(
      reminderEventId('t1', 'r', '2025-06-10T08:30:00.000Z'),
    );
  });

  it('ignores an event not newer than the applied version', () => {
    const prev: TaskRecord = { version: 3, timers: {} };
    expect(
      planTaskEvent(event('task.updated', { ...withReminder, version: 3 }), { prev, zone: 'UTC' }),
    ).toBeNull();
    expect(
      planTaskEvent(event('task.updated', { ...withReminder, version: 2 }), { prev, zone: 'UTC' }),
    ).toBeNull();
  });

  it('does not start a reminder that was already past when it was set, beyond a grace', () => {
    const late = { ...withReminder, updatedAt: '2025-06-10T08:45:00.000Z' };
    expect(planTaskEvent(event('task.created', late), { zone: 'UTC' })!.actions).toEqual([]);
    // An instance created a moment after its reminder's time (materialised right then) still rings.
    const moment = { ...withReminder, updatedAt: '2025-06-10T08:30:00.050Z' };
    expect(planTaskEvent(event('task.created', moment), { zone: 'UTC' })!.actions.map((a) => a.key)).toEqual([
      'r~t1~r',
    ]);
    const strict = { ...DEFAULT_SCHEDULE, pastGraceMs: 0 };
    expect(planTaskEvent(event('task.created', moment), { zone: 'UTC', opts: strict })!.actions).toEqual([]);
  });

  it('re-arms future reminders when a task is reopened', () => {
    const reopened = { ...withReminder, version: 3 };
    const plan = planTaskEvent(event('task.reopened', reopened), {
      prev: { version: 2, timers: {} },
      zone: 'UTC',
    })!;
    expect(plan.actions.map((a) => [a.op, a.key])).toEqual([['start', 'r~t1~r']]);
  });

  it('schedules the next occurrence of a series and a due timer for the instance', () => {
    const t = series({
      rrule: 'FREQ=WEEKLY;BYDAY=MO,TH',
      due: { date: '2025-06-09', time: '09:00', tz: 'Europe/Berlin' },
    });
    const plan = planTaskEvent(event('task.created', t), { zone: 'UTC' })!;
    expect(plan.actions).toEqual([
      {
        op: 'start',
        key: timerId({ kind: 'due', taskId: 't1' }),
        at: '2025-06-09T07:00:00.000Z',
        job: { kind: 'due', owner: 'u1', taskId: 't1', at: '2025-06-09T07:00:00.000Z' },
      },
      {
        op: 'start',
        key: timerId({ kind: 'series', seriesId: 't1' }),
        at: '2025-06-12T07:00:00.000Z',
        job: {
          kind: 'materialise',
          owner: 'u1',
          seriesId: 't1',
          fromTaskId: 't1',
          occurrence: '2025-06-12T09:00',
        },
      },
    ]);
    expect(plan.series).toMatchObject({ taskId: 't1', occurrence: '2025-06-09T09:00' });
  });

  it('lets only the newest instance drive the series', () => {
    const older = series({
      rrule: 'FREQ=DAILY',
      due: { date: '2025-06-09', time: '09:00' },
      version: 2,
      status: 'done',
    });
    const head: SeriesRecord = {
      taskId: 't2',
      occurrence: '2025-06-10T09:00',
      planned: { at: 'x', job: { kind: 'due', owner: 'u1', taskId: 't2', at: 'x' } },
    };
    const plan = planTaskEvent(event('task.completed', older), {
      prev: { version: 1, timers: {} },
      head,
      zone: 'UTC',
    })!;
    expect(plan.series).toBeUndefined();
    expect(plan.actions.filter((a) => a.key === timerId({ kind: 'series', seriesId: 't1' }))).toEqual([]);
  });

  it('cancels the series timer when paused, deleted or no longer recurring, and plans again on resume', () => {
    const t = series({ rrule: 'FREQ=DAILY', due: { date: '2025-06-09', time: '09:00' } });
    const first = planTaskEvent(event('task.created', t), { zone: 'UTC' })!;
    const head = first.series!;
    const paused = { ...t, version: 2, recurrence: { ...t.recurrence!, paused: true } };
    const p = planTaskEvent(event('task.updated', paused), { prev: first.record, head, zone: 'UTC' })!;
    expect(p.actions).toEqual([
      { op: 'cancel', key: timerId({ kind: 'due', taskId: 't1' }) },
      { op: 'cancel', key: timerId({ kind: 'series', seriesId: 't1' }) },
    ]);
    expect(p.series?.planned).toBeUndefined();
    const resumed = { ...t, version: 3 };
    const r = planTaskEvent(event('task.updated', resumed), {
      prev: p.record,
      head: p.series!,
      zone: 'UTC',
    })!;
    expect(r.actions.map((a) => [a.op, a.key])).toEqual([
      ['start', timerId({ kind: 'due', taskId: 't1' })],
      ['start', timerId({ kind: 'series', seriesId: 't1' })],
    ]);
    const gone = planTaskEvent(event('task.deleted', { ...t, version: 2 }), {
      prev: first.record,
      head,
      zone: 'UTC',
    })!;
    expect(gone.actions).toContainEqual({ op: 'cancel', key: timerId({ kind: 'series', seriesId: 't1' }) });
    const { recurrence: _r, ...plain } = t;
    const stopped = planTaskEvent(event('task.updated', { ...plain, version: 2 }), {
      prev: first.record,
      head,
      zone: 'UTC',
    })!;
    expect(stopped.actions).toContainEqual({
      op: 'cancel',
      key: timerId({ kind: 'series', seriesId: 't1' }),
    });
  });

  it('ends a series whose COUNT is used up', () => {
    const t = series({ rrule: 'FREQ=DAILY;COUNT=1', due: { date: '2025-06-09', time: '09:00' } });
    expect(planTaskEvent(event('task.created', t), { zone: 'UTC' })!.actions.map((a) => a.key)).toEqual([
      timerId({ kind: 'due', taskId: 't1' }),
    ]);
  });

  it('after completion: plans nothing while open, then the next one from the completion time', () => {
    const t = series({
      rrule: 'FREQ=DAILY;INTERVAL=3',
      mode: 'after-completion',
      due: { date: '2025-06-01', time: '18:00' },
    });
    const created = planTaskEvent(event('task.created', t), { zone: 'UTC' })!;
    expect(created.actions.map((a) => a.key)).toEqual([timerId({ kind: 'due', taskId: 't1' })]);
    const done = {
      ...t,
      version: 2,
      status: 'done' as const,
      completedAt: '2025-06-10T12:00:00.000Z',
      updatedAt: '2025-06-10T12:00:00.000Z',
    };
    const plan = planTaskEvent(event('task.completed', done), {
      prev: created.record,
      head: created.series!,
      zone: 'UTC',
    })!;
    expect(plan.actions).toContainEqual({
      op: 'start',
      key: timerId({ kind: 'series', seriesId: 't1' }),
      at: '2025-06-10T12:00:00.000Z',
      job: {
        kind: 'materialise',
        owner: 'u1',
        seriesId: 't1',
        fromTaskId: 't1',
        occurrence: '2025-06-13T18:00',
      },
    });
  });
});
