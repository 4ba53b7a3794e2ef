import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { describeRule } from './index.ts';

describe('describeRule', () => {
  it.each([
    ['FREQ=DAILY;COUNT=10', '2025-01-01T09:00', 'every day at 09:00, 10 times'],
    ['FREQ=DAILY;COUNT=1', '2025-01-01T09:00:30', 'every day at 09:00:30, once'],
    ['FREQ=MONTHLY;BYMONTHDAY=1', '2025-01-01T09:00', 'every month on the 1st at 09:00'],
    ['FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,FR', '2025-01-06', 'every 2 weeks on Monday and Friday'],
    ['FREQ=YEARLY', '2024-02-29', 'every year on February 29'],
    ['FREQ=MONTHLY;BYMONTHDAY=-1', '2025-01-31', 'every month on the last day'],
    ['FREQ=MONTHLY;BYDAY=-1FR', '2025-01-31', 'every month on the last Friday'],
    [
      'FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20270331',
      '2025-01-06T08:30',
      'every weekday at 08:30 until 2027-03-31',
    ],
    ['FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;INTERVAL=3', '2025-01-06', 'every 3 days on weekdays'],
    ['FREQ=WEEKLY', '2025-01-08T18:00', 'every Wednesday at 18:00'],
    ['FREQ=MONTHLY', '2025-01-15', 'every month on the 15th'],
    ['FREQ=MONTHLY;BYMONTHDAY=1,-1,-2', '2025-01-01', 'every month on the 1st, 2nd to last and last day'],
    [
      'FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1',
      '2025-01-31T17:00',
      'every month on the last weekday at 17:00',
    ],
    [
      'FREQ=MONTHLY;BYDAY=TU,WE,TH;BYSETPOS=3',
      '2025-01-01',
      'every month on the third Tuesday, Wednesday or Thursday',
    ],
    ['FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13', '2025-06-13', 'every month on Friday the 13th'],
    [
      'FREQ=MONTHLY;INTERVAL=2;BYDAY=1SU,-1SU',
      '2025-01-05',
      'every 2 months on the first Sunday and the last Sunday',
    ],
    ['FREQ=YEARLY;BYMONTH=11;BYDAY=4TH', '2025-11-27', 'every year on the fourth Thursday of November'],
    ['FREQ=YEARLY;BYMONTH=6,7', '1997-06-10T09:00', 'every year on the 10th of June and July at 09:00'],
    ['FREQ=YEARLY;BYMONTH=3;BYDAY=TH', '1997-03-13', 'every year on every Thursday in March'],
    ['FREQ=YEARLY;BYDAY=20MO', '1997-05-19', 'every year on the 20th Monday of the year'],
    ['FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO', '1997-05-12', 'every year on Monday in week 20'],
    [
      'FREQ=YEARLY;INTERVAL=3;BYYEARDAY=1,100,-1',
      '1997-01-01',
      'every 3 years on the 1st, 100th and last day of the year',
    ],
    [
      'FREQ=DAILY;BYHOUR=9,17;BYMINUTE=0,30',
      '2025-01-01T09:00',
      'every day at 09:00, 09:30, 17:00 and 17:30',
    ],
    [
      'FREQ=DAILY;BYHOUR=9,10,11,12,13,14,15,16;BYMINUTE=0,20,40',
      '2025-01-01T09:00',
      'every day, 24 times a day from 09:00 to 16:40',
    ],
    ['FREQ=HOURLY;INTERVAL=3', '2025-01-01T09:00', 'every 3 hours'],
    [
      'FREQ=MINUTELY;INTERVAL=20;BYHOUR=9,10',
      '2025-01-01T09:00',
      'every 20 minutes when the hour is 9 or 10',
    ],
    ['FREQ=DAILY;BYMONTH=1,2', '2025-01-01T07:00', 'every day in January and February at 07:00'],
    ['FREQ=WEEKLY;BYDAY=MO;BYSETPOS=1', '2025-01-06', 'every Monday, only the first of each week'],
    ['FREQ=DAILY;UNTIL=20270331T170000', '2025-01-01T09:00', 'every day at 09:00 until 2027-03-31 17:00'],
    [
      'FREQ=DAILY;UNTIL=20270331T170000Z',
      '2025-01-01T09:00',
      'every day at 09:00 until 2027-03-31 17:00 UTC',
    ],
  ])('%s from %s: "%s"', (rrule, dtstart, text) => {
    expect(describeRule({ rrule, dtstart })).toBe(text);
  });

  it('mentions a few exceptions by date and many by number', () => {
    const rule = { rrule: 'FREQ=DAILY', dtstart: '2025-01-01T09:00' };
    expect(describeRule({ ...rule, exdate: ['2025-01-02T09:00'] })).toBe(
      'every day at 09:00, except 2025-01-02 09:00',
    );
    expect(
      describeRule({
        ...rule,
        exdate: ['2025-01-02T09:00', '2025-01-03T09:00', '2025-01-04T09:00', '2025-01-05T09:00'],
      }),
    ).toBe('every day at 09:00, except on 4 dates');
  });

  it('rejects what occurrences rejects', () => {
    expect(() => describeRule({ rrule: 'FREQ=DAILY;FOO=1', dtstart: '2025-01-01' })).toThrow(ValidationError);
    expect(() => describeRule({ rrule: 'FREQ=DAILY', dtstart: 'tomorrow' })).toThrow(ValidationError);
  });
});
