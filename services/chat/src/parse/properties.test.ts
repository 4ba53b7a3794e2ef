/**
 * Properties of the parser over any input: it never throws, it always answers with an object the
 * contract's schema accepts, its queries are canonical in the product's query language, its rules are
 * accepted by the recurrence engine, and its answer does not depend on the machine's own time zone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatQuery, occurrences, parseQuery } from '@todo/core';
import { ParseResult } from './contract.ts';
import { parse } from './index.ts';

const ZONES = [
  'Europe/Berlin',
  'America/New_York',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'UTC',
];
// Around DST changes and year ends, and ordinary days.
const NOWS = [
  '2026-03-28T18:00',
  '2026-03-29T02:30',
  '2026-11-01T01:30',
  '2026-10-04T02:15',
  '2026-12-31T23:59',
  '2026-11-24T10:00',
  '2028-02-29T00:00',
];

/** Words the grammar reads, so random messages reach deep into it rather than all being titles. */
const WORDS =
  `add remind me to every other week day month year monday tue wed thursday fri sat sun weekday weekend
  weekdays mondays on the 1st 2nd 15th 31st last first of each until starting from except after i finish it
  at 9 9am 5pm 2:30 noon tonight morning tomorrow today next this friday in 3 hours 2 days 10 min before
  snooze for delete remove all done completed open mark as rename tag untag #work #bills !high p1 p4 urgent
  high low priority show list what's due overdue search find it them first one task dentist undo help ?
  move push reschedule postpone make repeat stop repeating skip pause resume between and by sorted
  1/12 12/1 31/2 dec 25 feb 30 march __proto__ constructor toString hasOwnProperty "quoted title" 'x' 🎉 ✅ , . ! : - twice a week minutes hourly`.split(
    /\s+/,
  );

const message = fc.oneof(
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
  fc.array(fc.constantFrom(...WORDS), { maxLength: 25 }).map((w) => w.join(' ')),
  fc
    .array(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 6 })), { maxLength: 30 })
    .map((w) => w.join(' ')),
  fc.string({
    unit: fc.constantFrom(
      '\u0000',
      '\u0007',
      '\u001b',
      '\n',
      '\t',
      '\r',
      '\u2028',
      '\u200b',
      '\ufeff',
      'a',
      ' ',
    ),
    maxLength: 100,
  }),
);
const context = fc.record({ now: fc.constantFrom(...NOWS), tz: fc.constantFrom(...ZONES) });

function check(text: string, ctx: { now: string; tz: string }): ParseResult {
  const result = parse(text, ctx);
  const valid = ParseResult.safeParse(result);
  if (!valid.success) throw new Error(`invalid result for ${JSON.stringify(text)}: ${valid.error.message}`);
  if (result.query !== undefined) {
    // The chat shows this text in the filter box: it must parse, and be the product's own canonical form.
    expect(formatQuery(parseQuery(result.query))).toBe(result.query);
  }
  if (result.recurrence) {
    const dtstart = result.due
      ? result.due.time
        ? `${result.due.date}T${result.due.time}`
        : result.due.date
      : ctx.now.slice(0, 10);
    expect(() =>
      occurrences({ rrule: result.recurrence!.rrule, dtstart, tz: ctx.tz }, { count: 3 }),
    ).not.toThrow();
  }
  return result;
}

describe('parse, for any message', () => {
  it('never throws and always returns a valid result', () => {
    fc.assert(
      fc.property(message, context, (text, ctx) => void check(text, ctx)),
      { numRuns: 1500 },
    );
  }, 120_000);

  it('copes with huge messages and control characters', () => {
    const ctx = { now: '2026-11-24T10:00', tz: 'Europe/Berlin' };
    const huge = [
      'a'.repeat(100_000),
      'every '.repeat(20_000),
      'remind me to '.repeat(5_000) + 'call mom tomorrow',
      '#tag '.repeat(10_000),
      '1/1 '.repeat(10_000),
      `"${'x'.repeat(50_000)}`,
      '\u0000'.repeat(10_000),
      `delete ${'the '.repeat(5_000)}task`,
      ' '.repeat(10_000) + 'help',
      'monday and '.repeat(3_000),
      '🎉'.repeat(20_000),
    ];
    for (const text of huge) {
      const started = performance.now();
      check(text, ctx);
      // A long message must not stall the chat: no regular expression may backtrack out of control.
      expect(performance.now() - started).toBeLessThan(2_000);
    }
  });

  it('rejects an invalid context with a TypeError', () => {
    expect(() => parse('buy milk', { now: 'tomorrow', tz: 'Europe/Berlin' })).toThrow(TypeError);
    expect(() => parse('buy milk', { now: '2026-11-24T10:00', tz: 'Mars/Olympus' })).toThrow(TypeError);
  });

  it("does not depend on the machine's time zone", () => {
    const samples = [
      'call dad in 10 hours',
      'bake bread tomorrow at 2:30am',
      'gym every monday at 7',
      'snooze till 9am tomorrow',
      'what is due next week',
      'pay rent on the 1st of every month',
    ];
    const ctx = { now: '2026-03-28T18:00', tz: 'Europe/Berlin' };
    const before = process.env.TZ;
    const baseline = samples.map((t) => parse(t, ctx));
    try {
      for (const machine of ['America/Sao_Paulo', 'Pacific/Chatham', 'Asia/Kathmandu', 'Europe/Berlin']) {
        process.env.TZ = machine;
        expect(samples.map((t) => parse(t, ctx))).toEqual(baseline);
      }
    } finally {
      if (before === undefined) delete process.env.TZ;
      else process.env.TZ = before;
    }
  });
});
