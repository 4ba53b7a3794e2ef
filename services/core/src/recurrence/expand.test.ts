import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { nextOccurrence, occurrences, type RuleInput } from './index.ts';

const locals = (rule: RuleInput, count = 20, after?: string) =>
  occurrences(rule, { count, ...(after ? { after } : {}) }).map((o) => o.local);

function validation(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('expected a ValidationError');
}

describe('EXDATE', () => {
  it('leaves out the listed wall times, with or without seconds', () => {
    const rule = {
      rrule: 'FREQ=DAILY',
      dtstart: '2025-01-01T09:00',
      tz: 'Europe/Berlin',
      exdate: ['2025-01-02T09:00', '2025-01-04T09:00:00'],
    };
    expect(locals(rule, 3)).toEqual(['2025-01-01T09:00:00', '2025-01-03T09:00:00', '2025-01-05T09:00:00']);
  });

  it('matches an occurrence shifted by a gap by its instant', () => {
    const rule = {
      rrule: 'FREQ=DAILY',
      dtstart: '2025-03-08T02:30',
      tz: 'America/New_York',
      exdate: ['2025-03-09T02:30'],
    };
    expect(locals(rule, 2)).toEqual(['2025-03-08T02:30:00', '2025-03-10T02:30:00']);
  });

  it('leaves out days of an all-day series, given as dates or date-times', () => {
    const rule = { rrule: 'FREQ=DAILY', dtstart: '2025-01-01', exdate: ['2025-01-02', '2025-01-03T00:00'] };
    expect(locals(rule, 2)).toEqual(['2025-01-01', '2025-01-04']);
  });

  it('still counts toward COUNT (RFC 5545: EXDATE removes from the set COUNT made)', () => {
    const rule = { rrule: 'FREQ=DAILY;COUNT=3', dtstart: '2025-01-01T09:00', exdate: ['2025-01-02T09:00'] };
    expect(locals(rule)).toEqual(['2025-01-01T09:00:00', '2025-01-03T09:00:00']);
  });

  it('rejects a date for a timed series and a malformed entry, naming the entry', () => {
    expect(
      validation(() =>
        occurrences({ rrule: 'FREQ=DAILY', dtstart: '2025-01-01T09:00', exdate: ['2025-01-02'] }),
      ).details,
    ).toEqual([{ path: 'exdate.0', issue: expect.stringContaining('date-time') }]);
    expect(
      validation(() => occurrences({ rrule: 'FREQ=DAILY', dtstart: '2025-01-01T09:00', exdate: ['x', 'y'] }))
        .details[0]?.path,
    ).toBe('exdate.0');
  });
});

describe('BYSETPOS', () => {
  it('the last weekday of the month', () => {
    const rule = {
      rrule: 'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
      dtstart: '2025-01-31T17:00',
      tz: 'Europe/Paris',
    };
    expect(locals(rule, 6).map((l) => l.slice(0, 10))).toEqual([
      '2025-01-31',
      '2025-02-28',
      '2025-03-31',
      '2025-04-30',
      '2025-05-30',
      '2025-06-30',
    ]);
  });

  it('picks from the whole week, not from DTSTART on (rrule 2.8.1 gives 2025-01-03 here)', () => {
    // The week of Wednesday 2025-01-01 starts Monday 2024-12-30: its first of MO,FR is before DTSTART.
    expect(locals({ rrule: 'FREQ=WEEKLY;BYDAY=MO,FR;BYSETPOS=1', dtstart: '2025-01-01' }, 3)).toEqual([
      '2025-01-01',
      '2025-01-06',
      '2025-01-13',
    ]);
  });

  it('skips positions past the end of a set and keeps the output sorted (rrule 2.8.1 does not)', () => {
    // January 2025 has 4 Mondays, March 5: position 5 exists only in March.
    expect(locals({ rrule: 'FREQ=MONTHLY;BYDAY=MO;BYSETPOS=-1,5,1', dtstart: '2025-01-06' }, 7)).toEqual([
      '2025-01-06',
      '2025-01-27',
      '2025-02-03',
      '2025-02-24',
      '2025-03-03',
      '2025-03-31',
      '2025-04-07',
    ]);
  });
});

describe('month ends and leap days', () => {
  it('BYMONTHDAY=-1 is the last day of each month, February 29 in a leap year', () => {
    expect(locals({ rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1', dtstart: '2024-01-31' }, 4)).toEqual([
      '2024-01-31',
      '2024-02-29',
      '2024-03-31',
      '2024-04-30',
    ]);
    expect(locals({ rrule: 'FREQ=MONTHLY;BYMONTHDAY=-1', dtstart: '2025-01-31' }, 2)).toEqual([
      '2025-01-31',
      '2025-02-28',
    ]);
  });

  it('a monthly rule on the 31st skips shorter months and never drifts', () => {
    expect(
      locals({ rrule: 'FREQ=MONTHLY', dtstart: '2025-01-31T09:00' }, 5).map((l) => l.slice(0, 10)),
    ).toEqual(['2025-01-31', '2025-03-31', '2025-05-31', '2025-07-31', '2025-08-31']);
  });

  it('a yearly rule from February 29 falls only in leap years', () => {
    expect(locals({ rrule: 'FREQ=YEARLY', dtstart: '2096-02-29' }, 3)).toEqual([
      '2096-02-29',
      '2104-02-29',
      '2108-02-29',
    ]);
    expect(locals({ rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29', dtstart: '2024-02-29T08:00' }, 2)).toEqual([
      '2024-02-29T08:00:00',
      '2028-02-29T08:00:00',
    ]);
  });
});

describe('DTSTART, COUNT and UNTIL', () => {
  it('DTSTART is the first occurrence even when the rule would not yield it (RFC 5545 3.8.5.3)', () => {
    expect(locals({ rrule: 'FREQ=MONTHLY;BYMONTHDAY=15;COUNT=3', dtstart: '2025-01-01T09:00' })).toEqual([
      '2025-01-01T09:00:00',
      '2025-01-15T09:00:00',
      '2025-02-15T09:00:00',
    ]);
  });

  it('times of day come out sorted whatever order BYHOUR lists them in (rrule 2.8.1 keeps the given order)', () => {
    expect(locals({ rrule: 'FREQ=DAILY;BYHOUR=17,9;COUNT=3', dtstart: '2025-01-01T09:00' })).toEqual([
      '2025-01-01T09:00:00',
      '2025-01-01T17:00:00',
      '2025-01-02T09:00:00',
    ]);
  });

  it('a date UNTIL includes its whole day; a floating UNTIL compares wall times', () => {
    const weekdays = 'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR';
    const dtstart = '2027-03-29T08:30';
    expect(locals({ rrule: `${weekdays};UNTIL=20270331`, dtstart, tz: 'Europe/Berlin' }).at(-1)).toBe(
      '2027-03-31T08:30:00',
    );
    expect(locals({ rrule: `${weekdays};UNTIL=20270331T083000`, dtstart, tz: 'Asia/Tokyo' }).at(-1)).toBe(
      '2027-03-31T08:30:00',
    );
    expect(locals({ rrule: `${weekdays};UNTIL=20270331T082959`, dtstart, tz: 'Asia/Tokyo' }).at(-1)).toBe(
      '2027-03-30T08:30:00',
    );
  });

  it('a UTC UNTIL compares instants in the rule zone', () => {
    // 2025-01-10T00:00Z is 09:00 in Tokyo: a 09:00 occurrence that day is included, a 10:00 one is not.
    const rule = (time: string) => ({
      rrule: 'FREQ=DAILY;UNTIL=20250110T000000Z',
      dtstart: `2025-01-08T${time}`,
      tz: 'Asia/Tokyo',
    });
    expect(locals(rule('09:00')).at(-1)).toBe('2025-01-10T09:00:00');
    expect(locals(rule('10:00')).at(-1)).toBe('2025-01-09T10:00:00');
  });
});

describe('floating rules', () => {
  const rule = { rrule: 'FREQ=WEEKLY;BYDAY=MO', dtstart: '2025-03-03T02:30' };

  it('have wall times and no utc without a zone', () => {
    expect(occurrences(rule, { count: 2 })).toEqual([
      { local: '2025-03-03T02:30:00', utc: null },
      { local: '2025-03-10T02:30:00', utc: null },
    ]);
  });

  it('are read in floatingZone when one is given, gaps included', () => {
    expect(
      occurrences(
        { ...rule, dtstart: '2025-03-02T02:30', rrule: 'FREQ=WEEKLY' },
        { count: 2, floatingZone: 'America/New_York' },
      ),
    ).toEqual([
      { local: '2025-03-02T02:30:00', utc: '2025-03-02T07:30:00Z' },
      { local: '2025-03-09T03:30:00', utc: '2025-03-09T07:30:00Z' },
    ]);
    expect(nextOccurrence(rule, '2025-03-03T02:30', 'Asia/Kolkata')).toEqual({
      local: '2025-03-10T02:30:00',
      utc: '2025-03-09T21:00:00Z',
    });
  });

  it('prefer tz over floatingZone', () => {
    expect(occurrences({ ...rule, tz: 'UTC' }, { count: 1, floatingZone: 'Asia/Kolkata' })[0]?.utc).toBe(
      '2025-03-03T02:30:00Z',
    );
  });
});

describe('after', () => {
  const rule = {
    rrule: 'FREQ=WEEKLY;INTERVAL=3;BYDAY=TU,SA',
    dtstart: '2020-01-04T07:15',
    tz: 'Europe/Berlin',
  };

  it('is exclusive', () => {
    // Saturday 2020-01-04 is the end of its week; three weeks on is the week of Monday 2020-01-20.
    expect(locals(rule, 2, '2020-01-04T07:15')).toEqual(['2020-01-21T07:15:00', '2020-01-25T07:15:00']);
    expect(locals(rule, 1, '2020-01-04T07:14')).toEqual(['2020-01-04T07:15:00']);
  });

  it('far ahead gives what listing from the start gives (on the INTERVAL grid)', () => {
    const all = locals(rule, 500);
    const cut = all[480]!;
    expect(locals(rule, 19, cut)).toEqual(all.slice(481));
    expect(nextOccurrence(rule, cut)?.local).toBe(all[481]);
  });

  it('counts COUNT from DTSTART, not from after', () => {
    expect(
      locals({ rrule: 'FREQ=DAILY;COUNT=5', dtstart: '2025-01-01T09:00' }, 20, '2025-01-03T09:00'),
    ).toEqual(['2025-01-04T09:00:00', '2025-01-05T09:00:00']);
  });

  it('nextOccurrence is null once the series is over', () => {
    expect(nextOccurrence({ rrule: 'FREQ=DAILY;COUNT=2', dtstart: '2025-01-01' }, '2025-01-02')).toBeNull();
  });
});

describe('count', () => {
  it('is 20 by default and at most 500', () => {
    const rule = { rrule: 'FREQ=DAILY', dtstart: '2025-01-01' };
    expect(occurrences(rule)).toHaveLength(20);
    expect(occurrences(rule, { count: 10_000 })).toHaveLength(500);
  });

  it('must be a whole number from 1', () => {
    for (const count of [0, -1, 1.5, Number.NaN]) {
      expect(
        validation(() => occurrences({ rrule: 'FREQ=DAILY', dtstart: '2025-01-01' }, { count })).details[0]
          ?.path,
      ).toBe('count');
    }
  });
});

describe('rules that never yield end, and quickly', () => {
  it.each([
    ['FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30'],
    ['FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31'],
    ['FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30'],
    ['FREQ=MINUTELY;BYYEARDAY=366;BYMONTH=1'],
    ['FREQ=DAILY;INTERVAL=7;BYDAY=TU'], // from a Monday, every 7 days is always Monday
    ['FREQ=WEEKLY;BYMONTH=2;BYDAY=MO;BYSETPOS=5'], // a week holds one Monday
    ['FREQ=HOURLY;INTERVAL=2;BYHOUR=1'], // hangs rrule 2.8.1: even hours only
    ['FREQ=MINUTELY;INTERVAL=90;BYHOUR=2'], // 90-minute steps from 00:00 skip hour 2; rrule 2.8.1 yields 02:30
  ])('%s gives DTSTART only', (rrule) => {
    const started = performance.now();
    const rule = { rrule, dtstart: '2025-01-06T00:00', tz: 'Europe/Berlin' };
    expect(locals(rule)).toEqual(['2025-01-06T00:00:00']);
    expect(locals(rule, 20, '2025-01-06T00:00')).toEqual([]);
    expect(performance.now() - started).toBeLessThan(3000);
  });

  it('a sub-daily rule keeps its INTERVAL grid under BYHOUR (rrule 2.8.1 drifts)', () => {
    const rule = { rrule: 'FREQ=MINUTELY;INTERVAL=90;BYHOUR=3,4', dtstart: '2025-01-06T00:00' };
    expect(locals(rule, 4)).toEqual([
      '2025-01-06T00:00:00',
      '2025-01-06T03:00:00',
      '2025-01-06T04:30:00',
      '2025-01-07T03:00:00',
    ]);
  });
});

describe('input errors', () => {
  it('names the field', () => {
    const bad: [RuleInput, string][] = [
      [{ rrule: 'FREQ=DAILY', dtstart: '2025-02-30T09:00' }, 'dtstart'],
      [{ rrule: 'FREQ=DAILY', dtstart: '2025-01-01T24:00' }, 'dtstart'],
      [{ rrule: 'FREQ=DAILY', dtstart: '0099-01-01' }, 'dtstart'],
      [{ rrule: 'FREQ=DAILY', dtstart: '2025-01-01', tz: 'Mars/Olympus' }, 'tz'],
      [{ rrule: 'FREQ=HOURLY', dtstart: '2025-01-01' }, 'rrule'],
      [{ rrule: 'FREQ=DAILY;BYHOUR=9', dtstart: '2025-01-01' }, 'rrule'],
      [{ rrule: 'FREQ=DAILY;COUNT=0', dtstart: '2025-01-01' }, 'rrule'],
    ];
    for (const [rule, path] of bad) expect(validation(() => occurrences(rule)).details[0]?.path).toBe(path);
    expect(
      validation(() => occurrences({ rrule: 'FREQ=DAILY', dtstart: '2025-01-01' }, { after: 'soon' }))
        .details[0]?.path,
    ).toBe('after');
    expect(
      validation(() =>
        nextOccurrence({ rrule: 'FREQ=DAILY', dtstart: '2025-01-01' }, '2025-01-01', 'Nowhere'),
      ).details[0]?.path,
    ).toBe('floatingZone');
  });
});

// Issue 18: two defects rrule 2.8.1 shares with python-dateutil, so a comparison with dateutil alone
// does not catch them. Expected values worked out from RFC 5545 by hand (and by the reference expander).
describe('BYDAY mixing plain and ordinal days (rrule issue #71)', () => {
  const berlin = (rrule: string) => ({ rrule, dtstart: '2026-01-05T09:00', tz: 'Europe/Berlin' });

  it('every Monday and the last Friday of each month', () => {
    const occ = occurrences(berlin('FREQ=MONTHLY;BYDAY=MO,-1FR;COUNT=6'), { count: 10 });
    expect(occ.map((o) => o.local.slice(0, 10))).toEqual([
      '2026-01-05',
      '2026-01-12',
      '2026-01-19',
      '2026-01-26',
      '2026-01-30',
      '2026-02-02',
    ]);
    expect(occ[4]).toEqual({ local: '2026-01-30T09:00:00', utc: '2026-01-30T08:00:00Z' });
  });

  it('a yearly rule with BYMONTH counts the ordinal within the month', () => {
    expect(locals(berlin('FREQ=YEARLY;BYMONTH=1;BYDAY=MO,-1FR'), 7).map((l) => l.slice(0, 10))).toEqual([
      '2026-01-05',
      '2026-01-12',
      '2026-01-19',
      '2026-01-26',
      '2026-01-30',
      '2027-01-04',
      '2027-01-11',
    ]);
  });

  it('a yearly rule without BYMONTH counts it within the year', () => {
    const got = locals(berlin('FREQ=YEARLY;BYDAY=MO,-1FR'), 60).map((l) => l.slice(0, 10));
    expect(got.slice(0, 2)).toEqual(['2026-01-05', '2026-01-12']);
    // 52 Mondays of 2026 and its last Friday, then 2027's first Monday.
    expect(got.slice(50, 54)).toEqual(['2026-12-21', '2026-12-25', '2026-12-28', '2027-01-04']);
    expect(got.filter((d) => d.startsWith('2026'))).toHaveLength(53);
  });

  it('a series made one occurrence at a time, each from the last as DTSTART, does not stop', () => {
    let dtstart = '2026-01-05T09:00';
    const made = [dtstart];
    for (let i = 0; i < 12; i++) {
      const next = nextOccurrence(
        { rrule: 'FREQ=MONTHLY;BYDAY=MO,-1FR', dtstart, tz: 'Europe/Berlin' },
        dtstart,
      );
      dtstart = next!.local.slice(0, 16);
      made.push(dtstart);
    }
    expect(made).toEqual(locals(berlin('FREQ=MONTHLY;BYDAY=MO,-1FR'), 13).map((l) => l.slice(0, 16)));
    expect(made.map((l) => l.slice(0, 10))).toContain('2026-02-27');
  });
});

describe('BYWEEKNO near year ends', () => {
  const utc = (rrule: string, dtstart: string, count = 20) =>
    locals({ rrule, dtstart, tz: 'UTC' }, count).map((l) => l.slice(0, 10));

  it('week 53 exists only in long years, and its days may fall in January', () => {
    // 2038-01-03 is the Sunday of ISO week 53 of 2037; 2039-01-02 is in week 52 of 2038 (rrule 2.8.1 gave it).
    expect(utc('FREQ=YEARLY;BYWEEKNO=53;BYDAY=SU;COUNT=4', '2037-01-01T09:00')).toEqual([
      '2037-01-01',
      '2038-01-03',
      '2044-01-03',
      '2049-01-03',
    ]);
  });

  it('week 52 of 2038 ends on 2039-01-02 (rrule 2.8.1 misses January 1 and 2)', () => {
    expect(utc('FREQ=YEARLY;BYWEEKNO=52', '2038-12-26T09:00', 8)).toEqual([
      '2038-12-26',
      '2038-12-27',
      '2038-12-28',
      '2038-12-29',
      '2038-12-30',
      '2038-12-31',
      '2039-01-01',
      '2039-01-02',
    ]);
  });

  it('BYWEEKNO=-53 with WKST=SU: 2025 has 53 weeks from Sunday, the first from 2024-12-29', () => {
    expect(utc('FREQ=YEARLY;BYWEEKNO=-53;WKST=SU', '2024-01-01T09:00', 9)).toEqual([
      '2024-01-01',
      '2024-12-29',
      '2024-12-30',
      '2024-12-31',
      '2025-01-01',
      '2025-01-02',
      '2025-01-03',
      '2025-01-04',
      '2030-12-29',
    ]);
  });

  it('week 1 may start in December, and INTERVAL counts week-numbered years', () => {
    expect(utc('FREQ=YEARLY;INTERVAL=2;BYWEEKNO=1;BYDAY=MO', '2024-01-01T09:00', 4)).toEqual([
      '2024-01-01',
      '2025-12-29',
      '2028-01-03',
      '2029-12-31',
    ]);
  });

  it('BYSETPOS picks within the week-numbered year', () => {
    // The last day of week 1 and of week 52 in each ISO year; 2026's week 1 is 2025-12-29 to 2026-01-04.
    expect(utc('FREQ=YEARLY;BYWEEKNO=1,52;BYDAY=SU;BYSETPOS=1', '2025-06-01T09:00', 3)).toEqual([
      '2025-06-01',
      '2026-01-04',
      '2027-01-10',
    ]);
  });
});

describe('rules the engine would end too early', () => {
  it('are refused: day parts years apart under a walk by hours or by days on a grid', () => {
    for (const rrule of [
      'FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=9',
      'FREQ=DAILY;INTERVAL=2;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO',
    ]) {
      const err = validation(() => occurrences({ rrule, dtstart: '2016-02-29T09:00' }));
      expect(err.details).toEqual([
        {
          path: 'rrule',
          issue: expect.stringMatching(/^these days can be 40 years apart, too far for FREQ=/),
        },
      ]);
    }
  });

  it('are answered when a yearly walk reaches them, or the gaps are short', () => {
    const at9 = (rrule: string) =>
      locals({ rrule, dtstart: '2016-02-29T09:00' }, 3).map((l) => l.slice(0, 10));
    expect(at9('FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO')).toEqual([
      '2016-02-29',
      '2044-02-29',
      '2072-02-29',
    ]);
    expect(at9('FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO')).toEqual([
      '2016-02-29',
      '2044-02-29',
      '2072-02-29',
    ]);
    expect(at9('FREQ=HOURLY;BYMONTHDAY=13;BYDAY=FR;BYHOUR=9')).toEqual([
      '2016-02-29',
      '2016-05-13',
      '2017-01-13',
    ]);
  });
});
