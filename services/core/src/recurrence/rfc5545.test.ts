import { describe, expect, it } from 'vitest';
import { occurrences } from './index.ts';

// Examples from RFC 5545 section 3.8.5.3, in America/New_York as the RFC writes them
// (DTSTART;TZID=America/New_York:...). Expected dates are the RFC's, written here as local days; all
// start at 09:00 unless the example says otherwise.
const NY = 'America/New_York';

function days(rrule: string, dtstart: string, count = 500, exdate?: string[]): string[] {
  return occurrences({ rrule, dtstart, tz: NY, exdate }, { count }).map((o) =>
    o.local.replace('T09:00:00', ''),
  );
}

/** "1997-09-" + ["02", "03"] → ["1997-09-02", "1997-09-03"]. */
function month(prefix: string, ...ds: number[]): string[] {
  return ds.map((d) => `${prefix}${String(d).padStart(2, '0')}`);
}

describe('RFC 5545 3.8.5.3 examples', () => {
  it('daily for 10 occurrences, at 09:00 EDT', () => {
    const occ = occurrences(
      { rrule: 'FREQ=DAILY;COUNT=10', dtstart: '1997-09-02T09:00', tz: NY },
      { count: 500 },
    );
    expect(occ.map((o) => o.local.slice(0, 10))).toEqual(month('1997-09-', 2, 3, 4, 5, 6, 7, 8, 9, 10, 11));
    expect(occ[0]).toEqual({ local: '1997-09-02T09:00:00', utc: '1997-09-02T13:00:00Z' });
  });

  it('daily until December 24, 1997: UNTIL in UTC, across the change to EST', () => {
    const occ = occurrences(
      { rrule: 'FREQ=DAILY;UNTIL=19971224T000000Z', dtstart: '1997-09-02T09:00', tz: NY },
      { count: 500 },
    );
    expect(occ).toHaveLength(29 + 31 + 30 + 23);
    expect(occ.at(-1)).toEqual({ local: '1997-12-23T09:00:00', utc: '1997-12-23T14:00:00Z' });
    expect(occ.find((o) => o.local.startsWith('1997-10-25'))?.utc).toBe('1997-10-25T13:00:00Z');
    expect(occ.find((o) => o.local.startsWith('1997-10-27'))?.utc).toBe('1997-10-27T14:00:00Z');
  });

  it('every 10 days, 5 occurrences', () => {
    expect(days('FREQ=DAILY;INTERVAL=10;COUNT=5', '1997-09-02T09:00')).toEqual([
      '1997-09-02',
      '1997-09-12',
      '1997-09-22',
      '1997-10-02',
      '1997-10-12',
    ]);
  });

  it('every day in January, for 3 years (YEARLY with BYDAY, and DAILY with BYMONTH)', () => {
    const jan = (y: number) =>
      Array.from({ length: 31 }, (_, i) => `${y}-01-${String(i + 1).padStart(2, '0')}`);
    const want = [...jan(1998), ...jan(1999), ...jan(2000)];
    // UNTIL is 09:00 EST on the last day: inclusive.
    expect(
      days('FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA', '1998-01-01T09:00'),
    ).toEqual(want);
    expect(days('FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1', '1998-01-01T09:00')).toEqual(want);
  });

  it('weekly on Tuesday and Thursday for five weeks', () => {
    const want = [...month('1997-09-', 2, 4, 9, 11, 16, 18, 23, 25, 30), '1997-10-02'];
    expect(days('FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH', '1997-09-02T09:00')).toEqual(want);
    expect(days('FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH', '1997-09-02T09:00')).toEqual(want);
  });

  it('every other week on Monday, Wednesday and Friday until December 24, 1997', () => {
    expect(
      days('FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR', '1997-09-01T09:00'),
    ).toEqual([
      ...month('1997-09-', 1, 3, 5, 15, 17, 19, 29),
      ...month('1997-10-', 1, 3, 13, 15, 17, 27, 29, 31),
      ...month('1997-11-', 10, 12, 14, 24, 26, 28),
      ...month('1997-12-', 8, 10, 12, 22),
    ]);
  });

  it('monthly on the first Friday for 10 occurrences', () => {
    expect(days('FREQ=MONTHLY;COUNT=10;BYDAY=1FR', '1997-09-05T09:00')).toEqual([
      '1997-09-05',
      '1997-10-03',
      '1997-11-07',
      '1997-12-05',
      '1998-01-02',
      '1998-02-06',
      '1998-03-06',
      '1998-04-03',
      '1998-05-01',
      '1998-06-05',
    ]);
  });

  it('every other month on the first and last Sunday, for 10 occurrences', () => {
    expect(days('FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU', '1997-09-07T09:00')).toEqual([
      '1997-09-07',
      '1997-09-28',
      '1997-11-02',
      '1997-11-30',
      '1998-01-04',
      '1998-01-25',
      '1998-03-01',
      '1998-03-29',
      '1998-05-03',
      '1998-05-31',
    ]);
  });

  it('monthly on the second-to-last Monday for 6 months', () => {
    expect(days('FREQ=MONTHLY;COUNT=6;BYDAY=-2MO', '1997-09-22T09:00')).toEqual([
      '1997-09-22',
      '1997-10-20',
      '1997-11-17',
      '1997-12-22',
      '1998-01-19',
      '1998-02-16',
    ]);
  });

  it('monthly on the third-to-the-last day of the month', () => {
    expect(days('FREQ=MONTHLY;BYMONTHDAY=-3', '1997-09-28T09:00', 6)).toEqual([
      '1997-09-28',
      '1997-10-29',
      '1997-11-28',
      '1997-12-29',
      '1998-01-29',
      '1998-02-26',
    ]);
  });

  it('monthly on the first and last day of the month for 10 occurrences', () => {
    expect(days('FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1', '1997-09-30T09:00')).toEqual([
      '1997-09-30',
      '1997-10-01',
      '1997-10-31',
      '1997-11-01',
      '1997-11-30',
      '1997-12-01',
      '1997-12-31',
      '1998-01-01',
      '1998-01-31',
      '1998-02-01',
    ]);
  });

  it('every 18 months on the 10th to 15th for 10 occurrences', () => {
    expect(
      days('FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15', '1997-09-10T09:00'),
    ).toEqual([...month('1997-09-', 10, 11, 12, 13, 14, 15), ...month('1999-03-', 10, 11, 12, 13)]);
  });

  it('yearly in June and July for 10 occurrences', () => {
    expect(days('FREQ=YEARLY;COUNT=10;BYMONTH=6,7', '1997-06-10T09:00')).toEqual(
      [1997, 1998, 1999, 2000, 2001].flatMap((y) => [`${y}-06-10`, `${y}-07-10`]),
    );
  });

  it('every third year on the 1st, 100th and 200th day for 10 occurrences', () => {
    expect(days('FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200', '1997-01-01T09:00')).toEqual([
      '1997-01-01',
      '1997-04-10',
      '1997-07-19',
      '2000-01-01',
      '2000-04-09',
      '2000-07-18',
      '2003-01-01',
      '2003-04-10',
      '2003-07-19',
      '2006-01-01',
    ]);
  });

  it('every 20th Monday of the year', () => {
    expect(days('FREQ=YEARLY;BYDAY=20MO', '1997-05-19T09:00', 3)).toEqual([
      '1997-05-19',
      '1998-05-18',
      '1999-05-17',
    ]);
  });

  it('Monday of week number 20 (ISO weeks, WKST=MO)', () => {
    expect(days('FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO', '1997-05-12T09:00', 3)).toEqual([
      '1997-05-12',
      '1998-05-11',
      '1999-05-17',
    ]);
  });

  it('every Thursday in March', () => {
    expect(days('FREQ=YEARLY;BYMONTH=3;BYDAY=TH', '1997-03-13T09:00', 11)).toEqual([
      ...month('1997-03-', 13, 20, 27),
      ...month('1998-03-', 5, 12, 19, 26),
      ...month('1999-03-', 4, 11, 18, 25),
    ]);
  });

  it('every Friday the 13th, with DTSTART excluded by EXDATE', () => {
    expect(days('FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13', '1997-09-02T09:00', 5, ['1997-09-02T09:00'])).toEqual([
      '1998-02-13',
      '1998-03-13',
      '1998-11-13',
      '1999-08-13',
      '2000-10-13',
    ]);
  });

  it('the first Saturday that follows the first Sunday of the month', () => {
    expect(days('FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13', '1997-09-13T09:00', 10)).toEqual([
      '1997-09-13',
      '1997-10-11',
      '1997-11-08',
      '1997-12-13',
      '1998-01-10',
      '1998-02-07',
      '1998-03-07',
      '1998-04-11',
      '1998-05-09',
      '1998-06-13',
    ]);
  });

  it('every 4 years, US Presidential Election Day', () => {
    const rrule = 'FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8';
    expect(days(rrule, '1996-11-05T09:00', 3)).toEqual(['1996-11-05', '2000-11-07', '2004-11-02']);
  });

  it('the third instance of Tuesday, Wednesday or Thursday, for the next 3 months (BYSETPOS)', () => {
    expect(days('FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3', '1997-09-04T09:00')).toEqual([
      '1997-09-04',
      '1997-10-07',
      '1997-11-06',
    ]);
  });

  it('the second-to-last weekday of the month (BYSETPOS=-2)', () => {
    expect(days('FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2', '1997-09-29T09:00', 7)).toEqual([
      '1997-09-29',
      '1997-10-30',
      '1997-11-27',
      '1997-12-30',
      '1998-01-29',
      '1998-02-26',
      '1998-03-30',
    ]);
  });

  it('every 15 minutes for 6 occurrences, and every hour and a half for 4', () => {
    const times = (rrule: string) =>
      occurrences({ rrule, dtstart: '1997-09-02T09:00', tz: NY }).map((o) => o.local.slice(11, 16));
    expect(times('FREQ=MINUTELY;INTERVAL=15;COUNT=6')).toEqual([
      '09:00',
      '09:15',
      '09:30',
      '09:45',
      '10:00',
      '10:15',
    ]);
    expect(times('FREQ=MINUTELY;INTERVAL=90;COUNT=4')).toEqual(['09:00', '10:30', '12:00', '13:30']);
  });

  it('every 20 minutes from 9:00 to 16:40 every day, two ways', () => {
    const want = [9, 10, 11, 12, 13, 14, 15, 16].flatMap((h) =>
      [0, 20, 40].map((m) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`),
    );
    for (const rrule of [
      'FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40',
      'FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10,11,12,13,14,15,16',
    ]) {
      const occ = occurrences({ rrule, dtstart: '1997-09-02T09:00', tz: NY }, { count: 48 }).map(
        (o) => o.local,
      );
      expect(occ.slice(0, 24).map((l) => l.slice(11, 16))).toEqual(want);
      expect(occ[24]).toBe('1997-09-03T09:00:00');
    }
  });

  it('WKST changes the result: WKST=MO versus WKST=SU', () => {
    expect(days('FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO', '1997-08-05T09:00')).toEqual(
      month('1997-08-', 5, 10, 19, 24),
    );
    expect(days('FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU', '1997-08-05T09:00')).toEqual(
      month('1997-08-', 5, 17, 19, 31),
    );
  });

  it('an invalid date (February 30) is ignored', () => {
    expect(days('FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5', '2007-01-15T09:00')).toEqual([
      '2007-01-15',
      '2007-01-30',
      '2007-02-15',
      '2007-03-15',
      '2007-03-30',
    ]);
  });

  it('every 3 hours from 09:00 until UNTIL=17:00Z, read as an instant', () => {
    // The RFC lists 09:00, 12:00 and 15:00 EDT, but 15:00 EDT is 19:00Z, after the rule's own UNTIL;
    // a UTC UNTIL bounds instants, so 15:00 is not an occurrence.
    const occ = occurrences({
      rrule: 'FREQ=HOURLY;INTERVAL=3;UNTIL=19970902T170000Z',
      dtstart: '1997-09-02T09:00',
      tz: NY,
    });
    expect(occ).toEqual([
      { local: '1997-09-02T09:00:00', utc: '1997-09-02T13:00:00Z' },
      { local: '1997-09-02T12:00:00', utc: '1997-09-02T16:00:00Z' },
    ]);
  });
});
