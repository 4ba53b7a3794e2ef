import { describe, expect, it } from 'vitest';
import { Due, dueInstant, OccurrenceCreate, Reminder, TaskCreate } from './task.ts';

const utc = (due: Due, zone = 'Europe/Berlin') => dueInstant(due, zone).toUTC().toISO();

describe('dueInstant', () => {
  it('reads a floating due in the owner zone and a zoned due in its own zone', () => {
    expect(utc({ date: '2026-12-01', time: '09:00' })).toBe('2026-12-01T08:00:00.000Z');
    expect(utc({ date: '2026-12-01', time: '09:00', tz: 'America/New_York' })).toBe(
      '2026-12-01T14:00:00.000Z',
    );
  });

  it('puts a date without a time at the end of that day', () => {
    expect(utc({ date: '2026-12-01' })).toBe('2026-12-01T22:59:59.999Z');
  });

  it('moves a time in the spring-forward gap forward by the gap and takes the first of an ambiguous time', () => {
    expect(utc({ date: '2026-03-29', time: '02:30' })).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
    expect(utc({ date: '2026-10-25', time: '02:30' })).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST, not CET
    expect(utc({ date: '2026-10-04', time: '02:15' }, 'Australia/Lord_Howe')).toBe(
      '2026-10-03T15:45:00.000Z',
    ); // 02:45 +11
  });
});

describe('TaskCreate', () => {
  it('normalises tags and fills defaults', () => {
    expect(TaskCreate.parse({ title: ' x ', tags: ['#Home', 'home', 'Work'] })).toEqual({
      title: 'x',
      priority: 'none',
      tags: ['home', 'work'],
      reminders: [],
    });
  });

  it.each([
    [{ title: 'x', due: { date: '0999-01-01' } }, 'due.date'],
    [{ title: 'x', due: { date: '2026-13-01' } }, 'due.date'],
    [{ title: 'x', tags: ['no spaces'] }, 'tags.0'],
    [{ title: 'x', reminders: [{ offset: '-P400D' }] }, 'reminders.0.offset'],
    [{ title: 'x', recurrence: { rrule: 'FREQ=DAILY', exdate: ['2026-12-01'] } }, 'recurrence.exdate.0'],
  ])('rejects %j at %s', (input, path) => {
    const r = TaskCreate.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('Reminder', () => {
  it('takes a snooze as a UTC instant on either kind', () => {
    for (const r of [
      { id: 'a', offset: '-PT5M', snoozedUntil: '2026-12-01T08:00:00Z' },
      { id: 'b', at: '2026-12-01T07:00:00+01:00', snoozedUntil: '2026-12-01T08:00:00.123Z' },
    ])
      expect(Reminder.parse(r)).toEqual(r);
    for (const snoozedUntil of ['2026-12-01T09:00:00+01:00', '2026-12-01', 'soon'])
      expect(Reminder.safeParse({ id: 'a', offset: 'PT0S', snoozedUntil }).success).toBe(false);
  });
});

describe('OccurrenceCreate', () => {
  const instance = {
    title: 'Gym',
    due: { date: '2026-12-01', time: '07:00' },
    reminders: [{ id: 'r', offset: '-PT15M' }],
    seriesId: 'b7c9e1d2-0000-4000-8000-000000000000',
    occurrence: '2026-12-01T07:00',
  };

  it('is a new task with the ids of its reminders and its place in the series', () => {
    expect(OccurrenceCreate.parse(instance)).toEqual({ ...instance, priority: 'none', tags: [] });
  });

  it.each([
    [{ reminders: [{ offset: '-PT15M' }] }, 'reminders.0'],
    [{ seriesId: 's~1' }, 'seriesId'],
    [{ occurrence: '2026-12-01T07:00:00' }, 'occurrence'],
    [{ extra: true }, ''],
  ])('rejects %j at %s', (fields, path) => {
    const r = OccurrenceCreate.safeParse({ ...instance, ...fields });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
