import { describe, expect, it } from 'vitest';
import {
  carriedReminders,
  carryRule,
  catchUpOccurrence,
  DEFAULT_SCHEDULE,
  describeReminder,
  dueAnchor,
  materialiseAt,
  nextAfterCompletion,
  nextPlanned,
  nextScheduled,
  reminderFireTimes,
} from './schedule.ts';
import type { Task } from './task.ts';
import { series, task } from './testing.ts';

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
      { key: 'r~t1~a', taskId: 't1', reminderId: 'a', fireAt: '2025-06-10T06:30:00.000Z' },
      { key: 'r~t1~b', taskId: 't1', reminderId: 'b', fireAt: '2025-06-10T07:00:00.000Z' },
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

  it('fires a snoozed reminder at the later of its time and the snooze', () => {
    const due = { date: '2025-06-10', time: '09:00' };
    const t = task({
      due,
      reminders: [
        { id: 'later', offset: '-PT30M', snoozedUntil: '2025-06-10T08:40:00Z' },
        { id: 'earlier', offset: '-PT30M', snoozedUntil: '2025-06-10T08:00:00Z' },
        { id: 'abs', at: '2025-06-10T07:00:00Z', snoozedUntil: '2025-06-10T07:05:30.250Z' },
      ],
    });
    expect(fires(t)).toEqual([
      '2025-06-10T08:40:00.000Z',
      '2025-06-10T08:30:00.000Z',
      '2025-06-10T07:05:30.250Z',
    ]);
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

describe('carriedReminders', () => {
  it('carries relative reminders, unsnoozed, and leaves absolute ones with their instance', () => {
    const t = task({
      due: { date: '2025-06-10', time: '09:00' },
      reminders: [
        { id: 'a', offset: '-PT30M', snoozedUntil: '2025-06-10T08:45:00Z' },
        { id: 'b', at: '2025-06-10T07:00:00Z' },
        { id: 'c', offset: 'PT0S' },
      ],
    });
    expect(carriedReminders(t)).toEqual([
      { id: 'a', offset: '-PT30M' },
      { id: 'c', offset: 'PT0S' },
    ]);
  });
});

describe('nextPlanned', () => {
  const daily = series({ rrule: 'FREQ=DAILY', due: { date: '2025-06-10', time: '09:00' } });

  it('plans the next scheduled occurrence at its start, honouring exdate', () => {
    expect(nextPlanned(daily, 'UTC')).toEqual({
      occurrence: '2025-06-11T09:00',
      at: '2025-06-11T09:00:00.000Z',
    });
    const skipped = { ...daily, recurrence: { ...daily.recurrence!, exdate: ['2025-06-11T09:00'] } };
    expect(nextPlanned(skipped, 'UTC')?.occurrence).toBe('2025-06-12T09:00');
  });

  it('plans nothing when paused, not recurring, or used up', () => {
    expect(nextPlanned({ ...daily, recurrence: { ...daily.recurrence!, paused: true } }, 'UTC')).toBeNull();
    const { recurrence: _r, ...plain } = daily;
    expect(nextPlanned(plain, 'UTC')).toBeNull();
    expect(
      nextPlanned({ ...daily, recurrence: { rrule: 'FREQ=DAILY;COUNT=1', mode: 'schedule' } }, 'UTC'),
    ).toBeNull();
  });

  it('after completion: nothing while open, then the completion time', () => {
    const t = series({
      rrule: 'FREQ=DAILY;INTERVAL=3',
      mode: 'after-completion',
      due: { date: '2025-06-01', time: '18:00' },
    });
    expect(nextPlanned(t, 'UTC')).toBeNull();
    const done = { ...t, status: 'done' as const, completedAt: '2025-06-10T12:00:00.000Z' };
    expect(nextPlanned(done, 'UTC')).toEqual({
      occurrence: '2025-06-13T18:00',
      at: '2025-06-10T12:00:00.000Z',
    });
  });
});

describe('describeReminder', () => {
  it.each([
    [{ id: 'a', offset: '-PT30M' }, '30 minutes before the due'],
    [{ id: 'a', offset: 'P1DT2H' }, '1 day, 2 hours after the due'],
    [{ id: 'a', offset: 'PT0S' }, 'at the due'],
    [
      { id: 'a', at: '2026-12-01T08:00:00Z', snoozedUntil: '2026-12-01T08:10:00Z' },
      'at 2026-12-01T08:00:00Z, snoozed until 2026-12-01T08:10:00Z',
    ],
  ])('says %j as %j', (r, text) => {
    expect(describeReminder(r)).toBe(text);
  });
});
