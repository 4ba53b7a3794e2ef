import { Settings } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { nextOccurrence, occurrences } from './index.ts';

// A local time in a spring-forward gap moves forward by the gap (RFC 5545 3.3.5) and `local` shows
// where it lands; an ambiguous fall-back time takes the earlier instant.
const daily = (dtstart: string, tz: string, count = 3) =>
  occurrences({ rrule: 'FREQ=DAILY', dtstart, tz }, { count });

describe('America/New_York', () => {
  it('02:30 on the spring-forward day becomes 03:30 EDT', () => {
    expect(daily('2025-03-08T02:30', 'America/New_York')).toEqual([
      { local: '2025-03-08T02:30:00', utc: '2025-03-08T07:30:00Z' },
      { local: '2025-03-09T03:30:00', utc: '2025-03-09T07:30:00Z' },
      { local: '2025-03-10T02:30:00', utc: '2025-03-10T06:30:00Z' },
    ]);
  });

  it('01:30 on the fall-back day is the first 01:30 (EDT)', () => {
    expect(daily('2025-11-01T01:30', 'America/New_York')).toEqual([
      { local: '2025-11-01T01:30:00', utc: '2025-11-01T05:30:00Z' },
      { local: '2025-11-02T01:30:00', utc: '2025-11-02T05:30:00Z' },
      { local: '2025-11-03T01:30:00', utc: '2025-11-03T06:30:00Z' },
    ]);
  });

  it('an hourly rule does not repeat or reorder instants across the gap', () => {
    const occ = occurrences(
      { rrule: 'FREQ=HOURLY', dtstart: '2025-03-09T00:00', tz: 'America/New_York' },
      { count: 4 },
    );
    // 02:00 does not exist: it lands on 03:00 EDT, which the rule also yields, so there is one 03:00.
    expect(occ.map((o) => o.utc)).toEqual([
      '2025-03-09T05:00:00Z',
      '2025-03-09T06:00:00Z',
      '2025-03-09T07:00:00Z',
      '2025-03-09T08:00:00Z',
    ]);
    expect(occ.map((o) => o.local.slice(11, 16))).toEqual(['00:00', '01:00', '03:00', '04:00']);
  });

  it('a shifted time that lands after a later wall time comes out in order', () => {
    // 50-minute steps from 01:20: 02:10 is in the gap and lands on 03:10 EDT, after the 03:00 that follows it.
    const occ = occurrences(
      { rrule: 'FREQ=MINUTELY;INTERVAL=50', dtstart: '2025-03-09T01:20', tz: 'America/New_York' },
      { count: 4 },
    );
    expect(occ.map((o) => o.local.slice(11, 16))).toEqual(['01:20', '03:00', '03:10', '03:50']);
  });

  it('an hourly rule passes the repeated hour of the fall-back night once, in wall time', () => {
    const occ = occurrences(
      { rrule: 'FREQ=HOURLY', dtstart: '2025-11-02T00:00', tz: 'America/New_York' },
      { count: 4 },
    );
    expect(occ.map((o) => o.utc)).toEqual([
      '2025-11-02T04:00:00Z',
      '2025-11-02T05:00:00Z',
      '2025-11-02T07:00:00Z',
      '2025-11-02T08:00:00Z',
    ]);
  });

  it('nextOccurrence after a shifted occurrence moves on to the next day', () => {
    const rule = { rrule: 'FREQ=DAILY', dtstart: '2025-03-01T02:30', tz: 'America/New_York' };
    expect(nextOccurrence(rule, '2025-03-08T02:30')).toEqual({
      local: '2025-03-09T03:30:00',
      utc: '2025-03-09T07:30:00Z',
    });
    expect(nextOccurrence(rule, '2025-03-09T03:30')?.local).toBe('2025-03-10T02:30:00');
  });
});

describe('Europe/London', () => {
  it('01:30 on the spring-forward day becomes 02:30 BST', () => {
    expect(daily('2025-03-29T01:30', 'Europe/London').map((o) => [o.local, o.utc])).toEqual([
      ['2025-03-29T01:30:00', '2025-03-29T01:30:00Z'],
      ['2025-03-30T02:30:00', '2025-03-30T01:30:00Z'],
      ['2025-03-31T01:30:00', '2025-03-31T00:30:00Z'],
    ]);
  });

  it('01:30 on the fall-back day is the first 01:30 (BST)', () => {
    expect(daily('2025-10-25T01:30', 'Europe/London').map((o) => o.utc)).toEqual([
      '2025-10-25T00:30:00Z',
      '2025-10-26T00:30:00Z',
      '2025-10-27T01:30:00Z',
    ]);
  });
});

describe('Australia/Lord_Howe, where DST moves the clock by 30 minutes', () => {
  it('02:15 on the spring-forward day (02:00 to 02:30) becomes 02:45 LHDT', () => {
    expect(daily('2025-10-04T02:15', 'Australia/Lord_Howe')).toEqual([
      { local: '2025-10-04T02:15:00', utc: '2025-10-03T15:45:00Z' },
      { local: '2025-10-05T02:45:00', utc: '2025-10-04T15:45:00Z' },
      { local: '2025-10-06T02:15:00', utc: '2025-10-05T15:15:00Z' },
    ]);
  });

  it('01:45 on the fall-back day (02:00 back to 01:30) is the first 01:45, at +11:00', () => {
    expect(daily('2025-04-05T01:45', 'Australia/Lord_Howe').map((o) => o.utc)).toEqual([
      '2025-04-04T14:45:00Z',
      '2025-04-05T14:45:00Z',
      '2025-04-06T15:15:00Z',
    ]);
  });
});

describe('ambiguous times do not depend on the season the code runs in', () => {
  afterEach(() => {
    Settings.now = () => Date.now();
  });

  // luxon resolves an ambiguous local time with the zone's offset at "now"; we must not.
  for (const now of ['2025-01-15T12:00:00Z', '2025-07-15T12:00:00Z']) {
    it(`with now = ${now}`, () => {
      Settings.now = () => Date.parse(now);
      expect(daily('2025-11-02T01:30', 'America/New_York', 1)[0]?.utc).toBe('2025-11-02T05:30:00Z');
      expect(daily('2025-10-26T01:30', 'Europe/London', 1)[0]?.utc).toBe('2025-10-26T00:30:00Z');
    });
  }
});

describe('all-day series', () => {
  it('utc is the start of the day, even when midnight is skipped (America/Santiago)', () => {
    const occ = occurrences(
      { rrule: 'FREQ=DAILY', dtstart: '2025-09-06', tz: 'America/Santiago' },
      { count: 2 },
    );
    expect(occ).toEqual([
      { local: '2025-09-06', utc: '2025-09-06T04:00:00Z' },
      { local: '2025-09-07', utc: '2025-09-07T04:00:00Z' }, // 01:00 -03: the day begins an hour late
    ]);
  });

  it('utc is the first midnight when midnight repeats (America/Havana)', () => {
    const occ = occurrences(
      { rrule: 'FREQ=DAILY', dtstart: '2025-11-02', tz: 'America/Havana' },
      { count: 1 },
    );
    expect(occ).toEqual([{ local: '2025-11-02', utc: '2025-11-02T04:00:00Z' }]);
  });
});
