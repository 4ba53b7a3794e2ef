import { describe, expect, it } from 'vitest';
import { makeLocalClock } from './dates.ts';
import { findRepeat, nextOccurrences, toRRule, type Repeat } from './recurrence.ts';
import { Scan } from './text.ts';

const clock = makeLocalClock({ now: '2026-11-24T10:00', tz: 'Europe/Berlin' });
const rule = (text: string) => {
  const r = findRepeat(new Scan(text), clock);
  if (!r || 'clarify' in r) return r;
  return { rrule: toRRule(r), mode: r.mode, until: r.until, start: r.start, exdate: r.exdate };
};

describe('repeat phrases', () => {
  it.each([
    ['every day', 'FREQ=DAILY'],
    ['every 3 days', 'FREQ=DAILY;INTERVAL=3'],
    ['every other week', 'FREQ=WEEKLY;INTERVAL=2'],
    ['every 2 months', 'FREQ=MONTHLY;INTERVAL=2'],
    ['every year', 'FREQ=YEARLY'],
    ['every weekday', 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR'],
    ['on weekends', 'FREQ=WEEKLY;BYDAY=SA,SU'],
    ['every monday, wednesday and friday', 'FREQ=WEEKLY;BYDAY=MO,WE,FR'],
    ['every other week on tue and thu', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH'],
    ['biweekly on fridays', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=FR'],
    ['on the 2nd tuesday of every month', 'FREQ=MONTHLY;BYDAY=2TU'],
    ['every last friday', 'FREQ=MONTHLY;BYDAY=-1FR'],
    ['the last day of every month', 'FREQ=MONTHLY;BYMONTHDAY=-1'],
    ['the first weekday of each month', 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1'],
    ['every 1st and 15th', 'FREQ=MONTHLY;BYMONTHDAY=1,15'],
    ['monthly on the 15th', 'FREQ=MONTHLY;BYMONTHDAY=15'],
    ['every march 3rd', 'FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3'],
    ['on 25 december every year', 'FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25'],
    ['quarterly', 'FREQ=MONTHLY;INTERVAL=3'],
    ['every 8 hours', 'FREQ=HOURLY;INTERVAL=8'],
    ['every day except sunday', 'FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR,SA'],
    ['every weekday except wednesday', 'FREQ=WEEKLY;BYDAY=MO,TU,TH,FR'],
    ['every month except july and august', 'FREQ=MONTHLY;BYMONTH=1,2,3,4,5,6,9,10,11,12'],
  ])('%s -> %s', (text, rrule) => {
    expect(rule(text)).toMatchObject({ rrule, mode: 'schedule' });
  });

  it('reads until, starting, except a date, and after completion', () => {
    expect(rule('every day until dec 15')).toMatchObject({
      rrule: 'FREQ=DAILY;UNTIL=20261215',
      until: '2026-12-15',
    });
    expect(rule('every sunday until march')).toMatchObject({ until: '2027-03-31' });
    expect(rule('every monday starting jan 4')).toMatchObject({ start: '2027-01-04' });
    expect(rule('every tuesday except dec 29')).toMatchObject({ exdate: ['2026-12-29'] });
    expect(rule('every 3 days after i finish it')).toMatchObject({
      rrule: 'FREQ=DAILY;INTERVAL=3',
      mode: 'after-completion',
    });
  });

  it('asks rather than guesses', () => {
    expect(rule('every month on the 31st')).toEqual({ clarify: 'ambiguous-month-day' });
    expect(rule('twice a week')).toEqual({ clarify: 'ambiguous-frequency' });
    expect(rule('every 2nd tuesday')).toEqual({ clarify: 'ambiguous-frequency' });
    expect(rule('every 15 minutes')).toEqual({ clarify: 'too-frequent' });
    expect(rule('every march')).toEqual({ clarify: 'not-understood' });
  });

  it('finds nothing in a plain title', () => {
    expect(rule('buy milk')).toBeNull();
    expect(rule('read every book on the shelf')).toBeNull();
  });
});

describe('next occurrences (from the core engine)', () => {
  const repeat = (r: Partial<Repeat>): string =>
    toRRule({ freq: 'WEEKLY', interval: 1, mode: 'schedule', ...r });

  it('starts at the first day the rule gives, not at a start day it does not', () => {
    // Tuesday: RFC 5545 would count a DTSTART of today as an occurrence of "every monday".
    expect(nextOccurrences(repeat({ byDay: ['MO'] }), '2026-11-24', clock, undefined)).toEqual([
      '2026-11-30',
      '2026-12-07',
      '2026-12-14',
    ]);
  });

  it('skips occurrences earlier today and excluded dates', () => {
    expect(nextOccurrences('FREQ=DAILY', '2026-11-24T09:00', clock, undefined)).toEqual([
      '2026-11-25T09:00',
      '2026-11-26T09:00',
      '2026-11-27T09:00',
    ]);
    expect(nextOccurrences(repeat({ byDay: ['TU'] }), '2026-11-24', clock, ['2026-12-01'])).toEqual([
      '2026-11-24',
      '2026-12-08',
      '2026-12-15',
    ]);
  });

  it('moves a time skipped by DST forward by the gap', () => {
    const berlin = makeLocalClock({ now: '2026-03-28T18:00', tz: 'Europe/Berlin' });
    expect(nextOccurrences('FREQ=DAILY', '2026-03-28T02:30', berlin, undefined)).toEqual([
      '2026-03-29T03:30',
      '2026-03-30T02:30',
      '2026-03-31T02:30',
    ]);
  });
});
