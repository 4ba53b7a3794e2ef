import type { Task, TaskEvent, TaskEventType } from '@todo/core';
import { describe, expect, it } from 'vitest';
import {
  carryRule,
  catchUpOccurrence,
  DEFAULT_SCHEDULE,
  dueAnchor,
  dueKey,
  materialiseAt,
  nextAfterCompletion,
  nextScheduled,
  planTaskEvent,
  reminderFireTimes,
  seriesKey,
  type SeriesRecord,
  type TaskRecord,
} from './schedule.ts';

const T0 = '2025-01-01T00:00:00.000Z';
function task(fields: Partial<Task> = {}): Task {
  return {
    id: 't1',
    title: 'pay rent',
    status: 'open',
    priority: 'none',
    tags: [],
    reminders: [],
    createdAt: T0,
    updatedAt: T0,
    version: 1,
    ...fields,
  };
}
function series(fields: Partial<Task> & { rrule: string; mode?: 'schedule' | 'after-completion' }): Task {
  const { rrule, mode = 'schedule', ...rest } = fields;
  const t = task({ recurrence: { rrule, mode }, ...rest });
  const due = t.due!;
  return { seriesId: t.id, occurrence: due.time ? `${due.date}T${due.time}` : due.date, ...t };
}
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
const fires = (t: Task, zone = 'UTC') => reminderFireTimes(t, zone).map((f) => f.fireAt);

describe('reminderFireTimes', () => {
  it('counts an offset from the due time in the due zone', () => {
    const t = task({
      due: { date: '2025-06-10', time: '09:00', tz: 'Europe/Berlin' },
      reminders: [
        { id: 'a', offset: '-PT30M' },
        { id: 'b', offset: 'PT0S' },
      ],
    });
    expect(reminderFireTimes(t, 'UTC')).toEqual([
      { key: 't1:a', taskId: 't1', reminderId: 'a', fireAt: '2025-06-10T06:30:00.000Z' },
      { key: 't1:b', taskId: 't1', reminderId: 'b', fireAt: '2025-06-10T07:00:00.000Z' },
    ]);
  });

  it('reads a floating due in the owner zone', () => {
    const t = task({ due: { date: '2025-06-10', time: '09:00' }, reminders: [{ id: 'a', offset: '-PT1H' }] });
    expect(fires(t, 'America/New_York')).toEqual(['2025-06-10T12:00:00.000Z']);
    expect(fires(t, 'Asia/Tokyo')).toEqual(['2025-06-09T23:00:00.000Z']);
  });

  it('takes an absolute reminder as given, due or not', () => {
    const t = task({ reminders: [{ id: 'a', at: '2025-06-10T09:00:00+02:00' }] });
    expect(fires(t)).toEqual(['2025-06-10T07:00:00.000Z']);
  });

  it('counts a date-only due from 09:00 local on that day', () => {
    const t = task({
      due: { date: '2025-06-10', tz: 'Europe/Berlin' },
      reminders: [
        { id: 'a', offset: 'PT0S' },
        { id: 'b', offset: '-P1D' },
      ],
    });
    expect(fires(t)).toEqual(['2025-06-10T07:00:00.000Z', '2025-06-09T07:00:00.000Z']);
  });

  it('keeps the wall time for a day offset across spring forward, and exact hours for PT24H', () => {
    // Europe/Berlin springs forward on 2025-03-30: the day before is 23 hours long.
    const t = task({
      due: { date: '2025-03-31', time: '09:00', tz: 'Europe/Berlin' },
      reminders: [
        { id: 'day', offset: '-P1D' },
        { id: 'hours', offset: '-PT24H' },
        { id: 'two', offset: '-P2D' },
      ],
    });
    expect(fires(t)).toEqual([
      '2025-03-30T07:00:00.000Z', // 09:00 CEST
      '2025-03-30T07:00:00.000Z', // 24 h before 07:00Z
      '2025-03-29T08:00:00.000Z', // 09:00 CET
    ]);
  });

  it('keeps the wall time for a day offset across fall back', () => {
    // America/New_York falls back on 2025-11-02: that day is 25 hours long.
    const t = task({
      due: { date: '2025-11-03', time: '08:00', tz: 'America/New_York' },
      reminders: [
        { id: 'day', offset: '-P1D' },
        { id: 'hours', offset: '-PT24H' },
      ],
    });
    // Both sides of the change are in EST here, so a day and 24 hours agree.
    expect(fires(t)).toEqual(['2025-11-02T13:00:00.000Z', '2025-11-02T13:00:00.000Z']);
    expect(fires(task({ ...t, due: { date: '2025-11-02', time: '12:00', tz: 'America/New_York' } }))).toEqual(
      [
        '2025-11-01T16:00:00.000Z', // 12:00 EDT the day before
        '2025-11-01T17:00:00.000Z', // 24 h earlier: 13:00 EDT
      ],
    );
  });

  it('moves a due in the spring-forward gap forward by the gap', () => {
    const t = task({
      due: { date: '2025-03-09', time: '02:30', tz: 'America/New_York' },
      reminders: [{ id: 'a', offset: 'PT0S' }],
    });
    expect(fires(t)).toEqual(['2025-03-09T07:30:00.000Z']); // 03:30 EDT
  });

  it('fires nothing for a done, skipped or paused task', () => {
    const base = { due: { date: '2025-06-10', time: '09:00' }, reminders: [{ id: 'a', offset: 'PT0S' }] };
    expect(fires(task({ ...base, status: 'done' }))).toEqual([]);
    expect(fires(task({ ...base, status: 'skipped' }))).toEqual([]);
    expect(
      fires(task({ ...base, recurrence: { rrule: 'FREQ=DAILY', mode: 'schedule', paused: true } })),
    ).toEqual([]);
    expect(fires(task(base))).toHaveLength(1);
  });

  it('skips a relative reminder without a due', () => {
    expect(fires(task({ reminders: [{ id: 'a', offset: 'PT0S' }] }))).toEqual([]);
  });
});

describe('series occurrences', () => {
  it('gives the next scheduled occurrence from the instance, honouring exdate', () => {
    const t = series({
      rrule: 'FREQ=DAILY',
      due: { date: '2025-06-10', time: '09:00', tz: 'Europe/Berlin' },
    });
    expect(nextScheduled(t, 'UTC')?.local).toBe('2025-06-11T09:00:00');
    const ex = { ...t, recurrence: { ...t.recurrence!, exdate: ['2025-06-11T09:00'] } };
    expect(nextScheduled(ex, 'UTC')?.local).toBe('2025-06-12T09:00:00');
  });

  it('keeps the wall time across DST and moves a gap time forward', () => {
    const t = series({
      rrule: 'FREQ=DAILY',
      due: { date: '2025-03-08', time: '02:30', tz: 'America/New_York' },
    });
    expect(nextScheduled(t, 'UTC')).toEqual({ local: '2025-03-09T03:30:00', utc: '2025-03-09T07:30:00Z' });
  });

  it('carries COUNT forward as what is left', () => {
    expect(carryRule('FREQ=DAILY;COUNT=3')).toBe('FREQ=DAILY;COUNT=2');
    expect(carryRule('COUNT=2;FREQ=DAILY')).toBe('COUNT=1;FREQ=DAILY');
    expect(carryRule('FREQ=DAILY;COUNT=1')).toBeNull();
    expect(carryRule('FREQ=DAILY;INTERVAL=2')).toBe('FREQ=DAILY;INTERVAL=2');
  });

  it('after completion: counts from the day it was finished, at the due time', () => {
    const t = series({
      rrule: 'FREQ=DAILY;INTERVAL=3',
      mode: 'after-completion',
      due: { date: '2025-06-01', time: '18:00', tz: 'Europe/Berlin' },
    });
    // Finished on 10 June at 23:30 Berlin (21:30Z): the day in the task's zone is the 10th.
    expect(nextAfterCompletion(t, '2025-06-10T21:30:00Z', 'UTC')?.local).toBe('2025-06-13T18:00:00');
    // 22:30Z is already the 11th in Berlin.
    expect(nextAfterCompletion(t, '2025-06-10T22:30:00Z', 'UTC')?.local).toBe('2025-06-14T18:00:00');
  });

  it('materialises at the occurrence start, or earlier for a carried reminder', () => {
    const t = series({
      rrule: 'FREQ=DAILY',
      due: { date: '2025-06-10', time: '09:00', tz: 'Europe/Berlin' },
    });
    expect(materialiseAt(t, '2025-06-11T09:00', 'UTC')).toBe('2025-06-11T07:00:00.000Z');
    const withReminders = {
      ...t,
      reminders: [
        { id: 'a', offset: '-PT2H' },
        { id: 'b', at: '2025-06-01T00:00:00Z' },
      ],
    };
    // The absolute reminder belongs to its instance and is not carried.
    expect(materialiseAt(withReminders, '2025-06-11T09:00', 'UTC')).toBe('2025-06-11T05:00:00.000Z');
    const allDay = series({ rrule: 'FREQ=DAILY', due: { date: '2025-06-10', tz: 'Europe/Berlin' } });
    expect(materialiseAt(allDay, '2025-06-11', 'UTC')).toBe('2025-06-10T22:00:00.000Z');
  });

  it('catches up to the newest started occurrence only', () => {
    const t = series({ rrule: 'FREQ=DAILY', due: { date: '2025-06-10', time: '09:00' } });
    const now = new Date('2025-06-14T12:00:00Z');
    expect(catchUpOccurrence(t, '2025-06-11T09:00', now, 'UTC')).toBe('2025-06-14T09:00');
    expect(catchUpOccurrence(t, '2025-06-11T09:00', new Date('2025-06-11T08:00:00Z'), 'UTC')).toBe(
      '2025-06-11T09:00',
    );
    expect(
      catchUpOccurrence(t, '2025-06-11T09:00', now, 'UTC', { ...DEFAULT_SCHEDULE, catchUp: 'each' }),
    ).toBe('2025-06-11T09:00');
  });

  it('announces a date-only due at 09:00 local', () => {
    expect(dueAnchor({ date: '2025-06-10', tz: 'Asia/Tokyo' }, 'UTC').toUTC().toISO()).toBe(
      '2025-06-10T00:00:00.000Z',
    );
  });
});

describe('planTaskEvent', () => {
  const due = { date: '2025-06-10', time: '09:00' };
  const withReminder = task({ due, reminders: [{ id: 'r', offset: '-PT30M' }] });

  it('starts a timer per reminder of a new task', () => {
    const plan = planTaskEvent(event('task.created', withReminder), { zone: 'UTC' })!;
    expect(plan.actions).toEqual([
      {
        op: 'start',
        key: 't1:r',
        at: '2025-06-10T08:30:00.000Z',
        job: {
          kind: 'reminder',
          owner: 'u1',
          taskId: 't1',
          reminderId: 'r',
          fireAt: '2025-06-10T08:30:00.000Z',
        },
      },
    ]);
    expect(plan.record).toEqual({ version: 1, timers: { 't1:r': '2025-06-10T08:30:00.000Z' } });
  });

  it('updates a moved reminder, keeps an unchanged one, cancels a removed one', () => {
    const prev: TaskRecord = {
      version: 1,
      timers: { 't1:r': '2025-06-10T08:30:00.000Z', 't1:x': '2025-06-10T08:00:00.000Z' },
    };
    const moved = { ...withReminder, version: 2, due: { date: '2025-06-10', time: '10:00' } };
    const plan = planTaskEvent(event('task.updated', moved), { prev, zone: 'UTC' })!;
    expect(plan.actions.map((a) => [a.op, a.key])).toEqual([
      ['update', 't1:r'],
      ['cancel', 't1:x'],
    ]);
    const same = planTaskEvent(event('task.updated', { ...withReminder, version: 2 }), {
      prev: { version: 1, timers: { 't1:r': '2025-06-10T08:30:00.000Z' } },
      zone: 'UTC',
    })!;
    expect(same.actions).toEqual([]);
  });

  it('cancels every timer on completion, skip and deletion', () => {
    const prev: TaskRecord = { version: 1, timers: { 't1:r': '2025-06-10T08:30:00.000Z' } };
    for (const [type, status] of [
      ['task.completed', 'done'],
      ['task.skipped', 'skipped'],
      ['task.deleted', 'open'],
    ] as const) {
      const plan = planTaskEvent(event(type, { ...withReminder, status, version: 2 }), {
        prev,
        zone: 'UTC',
      })!;
      expect(plan.actions).toEqual([{ op: 'cancel', key: 't1:r' }]);
      expect(plan.record).toEqual({ version: 2, timers: {} });
    }
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
      't1:r',
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
    expect(plan.actions.map((a) => [a.op, a.key])).toEqual([['start', 't1:r']]);
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
        key: dueKey('t1'),
        at: '2025-06-09T07:00:00.000Z',
        job: { kind: 'due', owner: 'u1', taskId: 't1', at: '2025-06-09T07:00:00.000Z' },
      },
      {
        op: 'start',
        key: seriesKey('t1'),
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
    expect(plan.actions.filter((a) => a.key === seriesKey('t1'))).toEqual([]);
  });

  it('cancels the series timer when paused, deleted or no longer recurring, and plans again on resume', () => {
    const t = series({ rrule: 'FREQ=DAILY', due: { date: '2025-06-09', time: '09:00' } });
    const first = planTaskEvent(event('task.created', t), { zone: 'UTC' })!;
    const head = first.series!;
    const paused = { ...t, version: 2, recurrence: { ...t.recurrence!, paused: true } };
    const p = planTaskEvent(event('task.updated', paused), { prev: first.record, head, zone: 'UTC' })!;
    expect(p.actions).toEqual([
      { op: 'cancel', key: dueKey('t1') },
      { op: 'cancel', key: seriesKey('t1') },
    ]);
    expect(p.series?.planned).toBeUndefined();
    const resumed = { ...t, version: 3 };
    const r = planTaskEvent(event('task.updated', resumed), {
      prev: p.record,
      head: p.series!,
      zone: 'UTC',
    })!;
    expect(r.actions.map((a) => [a.op, a.key])).toEqual([
      ['start', dueKey('t1')],
      ['start', seriesKey('t1')],
    ]);
    const gone = planTaskEvent(event('task.deleted', { ...t, version: 2 }), {
      prev: first.record,
      head,
      zone: 'UTC',
    })!;
    expect(gone.actions).toContainEqual({ op: 'cancel', key: seriesKey('t1') });
    const { recurrence: _r, ...plain } = t;
    const stopped = planTaskEvent(event('task.updated', { ...plain, version: 2 }), {
      prev: first.record,
      head,
      zone: 'UTC',
    })!;
    expect(stopped.actions).toContainEqual({ op: 'cancel', key: seriesKey('t1') });
  });

  it('ends a series whose COUNT is used up', () => {
    const t = series({ rrule: 'FREQ=DAILY;COUNT=1', due: { date: '2025-06-09', time: '09:00' } });
    expect(planTaskEvent(event('task.created', t), { zone: 'UTC' })!.actions.map((a) => a.key)).toEqual([
      dueKey('t1'),
    ]);
  });

  it('after completion: plans nothing while open, then the next one from the completion time', () => {
    const t = series({
      rrule: 'FREQ=DAILY;INTERVAL=3',
      mode: 'after-completion',
      due: { date: '2025-06-01', time: '18:00' },
    });
    const created = planTaskEvent(event('task.created', t), { zone: 'UTC' })!;
    expect(created.actions.map((a) => a.key)).toEqual([dueKey('t1')]);
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
      key: seriesKey('t1'),
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
