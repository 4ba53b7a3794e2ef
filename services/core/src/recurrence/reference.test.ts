import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { occurrences, type RuleInput } from './index.ts';
import { referenceOccurrences } from './reference.testing.ts';

// The engine against the naive reference expander, for random valid rules in random zones from random
// starts, many of them on the eve of a DST change or next to New Year (where week numbers straddle
// years). Each rule is compared over a window sized to its FREQ, so that 10,000 rules stay fast.
const ZONES = [
  undefined,
  'UTC',
  'America/New_York',
  'Europe/Berlin',
  'Australia/Lord_Howe',
  'Pacific/Apia',
  'America/Santiago',
];
const FREQS = ['YEARLY', 'MONTHLY', 'WEEKLY', 'DAILY', 'HOURLY', 'MINUTELY', 'SECONDLY'] as const;
/** Days each FREQ is compared over (about 3.5 years for a yearly rule: New Year's weeks come up often). */
const WINDOW = {
  YEARLY: 1300,
  MONTHLY: 250,
  WEEKLY: 100,
  DAILY: 30,
  HOURLY: 3,
  MINUTELY: 0.3,
  SECONDLY: 0.01,
};
/** Occurrences compared per rule. */
const COUNT = 20;
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const DAY_MS = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 19);

const list = (values: number[], max = 3) =>
  fc.uniqueArray(fc.constantFrom(...values), { minLength: 1, maxLength: max });
/** `arb` with probability `p`, else undefined. */
const maybe = <T>(arb: fc.Arbitrary<T>, p = 0.3) =>
  fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 20 - Math.round(20 * p) },
    { arbitrary: arb, weight: Math.round(20 * p) },
  );

const startArb = fc.oneof(
  fc.integer({ min: Date.UTC(2015, 0, 1), max: Date.UTC(2035, 0, 1) }),
  // DST eves in the zones above, the day Samoa skipped, and New Year's week.
  fc
    .tuple(
      fc.constantFrom(
        '2025-03-08',
        '2025-03-29',
        '2025-10-25',
        '2025-11-01',
        '2025-04-05',
        '2025-10-04',
        '2025-09-06',
        '2011-12-29',
        '2024-12-28',
        '2026-12-30',
        '2020-12-31',
        '2027-01-01',
      ),
      fc.integer({ min: 0, max: DAY_MS - 1 }),
    )
    .map(([d, ms]) => Date.parse(`${d}T00:00:00Z`) + ms),
);

const caseArb = fc
  .record({
    freq: fc.constantFrom(...FREQS, 'YEARLY', 'YEARLY', 'MONTHLY', 'MONTHLY', 'WEEKLY', 'DAILY'),
    interval: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 5 })),
    plainDays: maybe(fc.uniqueArray(fc.constantFrom(...DAYS), { minLength: 1, maxLength: 4 }), 0.5),
    ordinalDays: maybe(
      fc.uniqueArray(
        fc.tuple(fc.constantFrom(-5, -2, -1, 1, 2, 3, 5, 20, -53, 53), fc.constantFrom(...DAYS)),
        { minLength: 1, maxLength: 2 },
      ),
    ),
    bymonthday: maybe(list([1, 2, 13, 15, 28, 29, 30, 31, -1, -2, -7, -31])),
    bymonth: maybe(list([1, 2, 3, 6, 10, 11, 12])),
    byyearday: maybe(list([1, 2, 60, 100, 200, 365, 366, -1, -7, -366]), 0.15),
    byweekno: maybe(list([1, 2, 20, 51, 52, 53, -1, -2, -52, -53]), 0.35),
    byhour: maybe(list([0, 1, 2, 3, 9, 12, 23]), 0.2),
    byminute: maybe(list([0, 15, 30, 59]), 0.2),
    bysecond: maybe(list([0, 30]), 0.1),
    bysetpos: maybe(list([1, 2, 3, -1, -2]), 0.25),
    wkst: fc.constantFrom('MO', 'MO', 'SU', 'TH'),
    end: fc.constantFrom('window', 'window', 'count', 'until'),
    count: fc.integer({ min: 1, max: 30 }),
    untilFrac: fc.double({ min: 0, max: 1, noNaN: true }),
    untilForm: fc.constantFrom('date', 'floating', 'utc'),
    start: startArb,
    allDay: fc.boolean(),
    tz: fc.constantFrom(...ZONES),
    afterFrac: maybe(fc.double({ min: 0, max: 1, noNaN: true })),
    exdate: maybe(fc.uniqueArray(fc.nat(20), { minLength: 1, maxLength: 2 }), 0.2),
  })
  .map((r) => {
    // Only combinations RFC 5545 3.3.10 allows (parseRule rejects the rest).
    const f = FREQS.indexOf(r.freq);
    const yearly = r.freq === 'YEARLY';
    const byweekno = yearly ? r.byweekno : undefined;
    const ordinalsOk = (yearly && !byweekno) || r.freq === 'MONTHLY';
    const ordinals = ordinalsOk
      ? r.ordinalDays?.filter(([n]) => yearly || Math.abs(n) <= 5).map(([n, d]) => `${n}${d}`)
      : undefined;
    const byday = [...(r.plainDays ?? []), ...(ordinals ?? [])];
    const timeParts = r.byhour || r.byminute || r.bysecond;
    const allDay = r.allDay && f <= 3 && !timeParts;
    const parts = [`FREQ=${r.freq}`, `INTERVAL=${r.interval}`, `WKST=${r.wkst}`];
    if (byday.length) parts.push(`BYDAY=${byday.join(',')}`);
    if (r.bymonthday && r.freq !== 'WEEKLY') parts.push(`BYMONTHDAY=${r.bymonthday.join(',')}`);
    if (r.bymonth) parts.push(`BYMONTH=${r.bymonth.join(',')}`);
    if (r.byyearday && (yearly || f >= 4)) parts.push(`BYYEARDAY=${r.byyearday.join(',')}`);
    if (byweekno) parts.push(`BYWEEKNO=${byweekno.join(',')}`);
    if (r.byhour) parts.push(`BYHOUR=${r.byhour.join(',')}`);
    if (r.byminute) parts.push(`BYMINUTE=${r.byminute.join(',')}`);
    if (r.bysecond) parts.push(`BYSECOND=${r.bysecond.join(',')}`);
    if (r.bysetpos && parts.length > 3) parts.push(`BYSETPOS=${r.bysetpos.join(',')}`);

    const start = allDay ? r.start - (r.start % DAY_MS) : r.start - (r.start % (f >= 6 ? 1000 : 60_000));
    const windowMs = WINDOW[r.freq] * DAY_MS;
    if (r.end === 'count') parts.push(`COUNT=${r.count}`);
    if (r.end !== 'count') {
      // An open rule ends at the window's end, so that the engine need not look beyond it.
      const until = iso(start + (r.end === 'until' ? r.untilFrac : 1) * windowMs).replace(/[-:]/g, '');
      const form = r.untilForm === 'utc' && r.tz ? 'utc' : r.untilForm;
      parts.push(
        `UNTIL=${form === 'date' || allDay ? until.slice(0, 8) : form === 'utc' ? `${until}Z` : until}`,
      );
    }
    const rule: RuleInput = {
      rrule: parts.join(';'),
      dtstart: allDay ? iso(start).slice(0, 10) : iso(start),
      tz: r.tz,
    };
    const after = r.afterFrac === undefined ? undefined : iso(start + r.afterFrac * windowMs * 0.8);
    return { rule, end: iso(start + windowMs), after, exdate: r.exdate };
  });

describe('the engine agrees with the reference expander', () => {
  it('for 10,000 random rules, zones and starts', () => {
    fc.assert(
      fc.property(caseArb, ({ rule, end, after, exdate: exIdx }) => {
        const cut = iso(Date.parse(`${end}Z`) - DAY_MS / 2);
        const within = (o: { local: string }) => o.local.slice(0, 19) < cut;
        const base = referenceOccurrences(rule, end, { after, limit: COUNT });
        const exdate = exIdx?.filter((i) => i < base.length).map((i) => base[i]!.local) ?? [];
        const input = exdate.length ? { ...rule, exdate } : rule;
        const want = (
          exdate.length ? referenceOccurrences(input, end, { after, limit: COUNT }) : base
        ).filter(within);
        // One more than the window holds is enough to show that the engine ends where the reference does;
        // asking for more would send it looking for decades through a sparse rule.
        const count = Math.min(COUNT, want.length + 1);
        let got;
        try {
          got = occurrences(input, { count, after });
        } catch (err) {
          // Refused as out of the engine's reach (expand.test.ts checks that refusal): nothing to compare.
          if (err instanceof ValidationError && /years apart/.test(err.details[0]?.issue ?? '')) return;
          throw err;
        }
        const gotWithin = got.filter(within);
        // When the engine stopped at `count` inside the window, it must agree with the reference's start.
        const full = got.length === count && gotWithin.length === count;
        expect(gotWithin, JSON.stringify({ input, after, end })).toEqual(full ? want.slice(0, count) : want);
      }),
      { numRuns: Number(process.env.REF_RUNS ?? 10_000) },
    );
  }, 600_000);
});
