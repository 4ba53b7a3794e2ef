import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { parseRule, ruleFrequency } from './index.ts';

function issues(rrule: string): string[] {
  try {
    parseRule(rrule);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    expect(err.code).toBe('VALIDATION_FAILED');
    expect(err.details.every((d) => d.path === 'rrule')).toBe(true);
    return err.details.map((d) => d.issue);
  }
  throw new Error(`expected ${rrule} to be rejected`);
}

describe('parseRule', () => {
  it('reads every part, sorting and de-duplicating lists', () => {
    expect(
      parseRule(
        'RRULE:FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=-1FR,1MO,MO;BYMONTHDAY=15,-1,15;BYSETPOS=-1;WKST=SU',
      ),
    ).toEqual({
      freq: 'MONTHLY',
      interval: 2,
      count: 10,
      wkst: 'SU',
      byday: [{ day: 'FR', n: -1 }, { day: 'MO' }, { day: 'MO', n: 1 }],
      bymonthday: [-1, 15],
      bysetpos: [-1],
    });
    expect(
      parseRule(
        'FREQ=YEARLY;BYWEEKNO=20,-1;BYYEARDAY=1,-366;BYMONTH=12,1;BYHOUR=23,0;BYMINUTE=59;BYSECOND=0',
      ),
    ).toMatchObject({
      byweekno: [-1, 20],
      byyearday: [-366, 1],
      bymonth: [1, 12],
      byhour: [0, 23],
      byminute: [59],
      bysecond: [0],
    });
  });

  it('takes any case, spaces around parts and a trailing semicolon', () => {
    expect(parseRule(' rrule:freq=weekly; byday=mo,fr; ')).toEqual({
      freq: 'WEEKLY',
      interval: 1,
      wkst: 'MO',
      byday: [{ day: 'MO' }, { day: 'FR' }],
    });
  });

  it('reads the three forms of UNTIL', () => {
    expect(parseRule('FREQ=DAILY;UNTIL=20270331').until).toBe('2027-03-31');
    expect(parseRule('FREQ=DAILY;UNTIL=20270331T170000').until).toBe('2027-03-31T17:00:00');
    expect(parseRule('FREQ=DAILY;UNTIL=20270331T170000Z').until).toBe('2027-03-31T17:00:00Z');
  });

  it.each([
    ['', 'FREQ is required'],
    ['BYDAY=MO', 'FREQ is required'],
    ['FREQ=SOMETIMES', "not 'SOMETIMES'"],
    ['FREQ=DAILY;FOO=1', "unknown part 'FOO'"],
    ['FREQ=DAILY;X-NAME=1', "unknown part 'X-NAME'"],
    ['FREQ=DAILY;COUNT', 'COUNT needs a value'],
    ['FREQ=DAILY;FREQ=WEEKLY', 'FREQ is given more than once'],
    ['FREQ=DAILY;COUNT=5;UNTIL=20250101', 'COUNT and UNTIL must not both be given'],
    ['FREQ=DAILY;INTERVAL=0', 'INTERVAL must be a positive whole number'],
    ['FREQ=DAILY;COUNT=-1', 'COUNT must be a positive whole number'],
    ['FREQ=DAILY;UNTIL=20250230', 'UNTIL must be YYYYMMDD'],
    ['FREQ=DAILY;UNTIL=2025-01-01', 'UNTIL must be YYYYMMDD'],
    ['FREQ=DAILY;BYHOUR=24', "BYHOUR takes whole numbers from 0 to 23, not '24'"],
    ['FREQ=DAILY;BYSECOND=60', 'BYSECOND takes whole numbers from 0 to 59'],
    ['FREQ=MONTHLY;BYMONTHDAY=0', "BYMONTHDAY takes whole numbers from 1 to 31 or -31 to -1, not '0'"],
    ['FREQ=MONTHLY;BYMONTHDAY=1,,2', "not ''"],
    ['FREQ=YEARLY;BYMONTH=13', 'BYMONTH takes whole numbers from 1 to 12'],
    ['FREQ=MONTHLY;BYDAY=MONDAY', "BYDAY takes days like MO, 1MO or -1FR (ordinals 1 to 53), not 'MONDAY'"],
    ['FREQ=MONTHLY;BYDAY=0MO', 'BYDAY takes days'],
    ['FREQ=YEARLY;BYDAY=54MO', 'BYDAY takes days'],
    ['FREQ=MONTHLY;BYDAY=6MO', 'a month has no 6th Monday'],
    ['FREQ=WEEKLY;BYDAY=1MO', 'BYDAY ordinals such as 1MO need FREQ=MONTHLY or FREQ=YEARLY'],
    ['FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO', 'can not be used with BYWEEKNO'],
    ['FREQ=WEEKLY;BYMONTHDAY=1', 'BYMONTHDAY can not be used with FREQ=WEEKLY'],
    ['FREQ=MONTHLY;BYYEARDAY=1', 'BYYEARDAY can not be used with FREQ=MONTHLY'],
    ['FREQ=MONTHLY;BYWEEKNO=1', 'BYWEEKNO needs FREQ=YEARLY'],
    ['FREQ=MONTHLY;BYSETPOS=1', 'BYSETPOS needs another BYxxx part'],
    ['FREQ=MONTHLY;BYSETPOS=0;BYDAY=MO', 'BYSETPOS takes whole numbers from 1 to 366 or -366 to -1'],
    ['FREQ=WEEKLY;WKST=XX', 'WKST must be one of MO, TU, WE, TH, FR, SA, SU'],
    ['DTSTART:20250101T090000\nRRULE:FREQ=DAILY', 'DTSTART does not belong in the rule'],
    ['FREQ=DAILY;DTSTART=20250101T090000', 'DTSTART does not belong in the rule'],
    ['FREQ=DAILY\nEXDATE:20250102T090000', 'a single RRULE value on one line'],
  ])('rejects %j', (rrule, issue) => {
    expect(issues(rrule).join('\n')).toContain(issue);
  });

  it('reports every problem at once', () => {
    expect(issues('FREQ=DAILY;COUNT=x;BYHOUR=99;WKST=ZZ')).toHaveLength(3);
  });
});

describe('ruleFrequency', () => {
  it('gives FREQ of a valid rule and throws for an invalid one', () => {
    expect(ruleFrequency('RRULE:BYDAY=MO;FREQ=WEEKLY')).toBe('WEEKLY');
    expect(ruleFrequency('FREQ=SECONDLY')).toBe('SECONDLY');
    expect(() => ruleFrequency('FREQ=WEEKLY;BYHOUR=-1')).toThrow(ValidationError);
  });
});
