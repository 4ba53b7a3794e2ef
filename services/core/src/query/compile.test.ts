import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseQuery, toMongoFilter, toPredicate, type QueryContext, type QueryNode } from './index.ts';
import {
  matchesFilter,
  QUERY_TEST_CTX as ctx,
  queryNodeArbitrary,
  SAMPLE_QUERIES,
  SAMPLE_TASKS,
  storedTask,
} from './testing.ts';

const byPredicate = (node: QueryNode | null, c: QueryContext = ctx) =>
  SAMPLE_TASKS.filter(toPredicate(node, c)).map((t) => t.id);
const stored = SAMPLE_TASKS.map((t) => storedTask(t, ctx.zone));
const byMongo = (node: QueryNode | null) => {
  const filter = toMongoFilter(node, ctx);
  return stored.filter((doc) => matchesFilter(doc, filter)).map((doc) => doc.id);
};
const all = SAMPLE_TASKS.map((t) => t.id);
const except = (...ids: string[]) => all.filter((id) => !ids.includes(id));

describe('toPredicate (now 2026-11-24 11:00 in Berlin)', () => {
  it.each<[string, string[]]>([
    ['', all],
    ['milk', ['milk']],
    ['MILK', ['milk']],
    ['oat', ['milk']],
    ['-oat', except('milk')],
    ['title:oat', []],
    ['title:milk', ['milk']],
    ['.', ['regex']],
    ['"(1+1)*2 $ [x]"', ['regex']],
    ['café', ['cafe']],
    ['ÉTÉ', ['cafe']],
    ['STRAßE', ['cafe']],
    ['is:open', except('chore', 'skipped')],
    ['is:done OR is:skipped', ['chore', 'skipped']],
    ['priority:high', ['rent', 'taxes']],
    ['!p3', ['milk', 'week']],
    ['priority>=medium', ['rent', 'mum', 'report', 'taxes']],
    ['priority<low', except('milk', 'rent', 'mum', 'report', 'taxes', 'week')],
    ['#bills', ['rent', 'taxes']],
    ['#BILLS #admin', ['taxes']],
    ['tag:none', ['mum', 'report', 'chore', 'nyc', 'tokyo', 'skipped', 'cafe', 'regex']],
    // Date-only dues are at the end of their day; timed ones near midnight fall on the owner's day.
    ['due:today', ['rent', 'mum', 'report', 'tokyo']],
    ['due:tomorrow', ['gym', 'nyc']],
    ['due:yesterday', ['taxes']],
    ['due:2026-11-24', ['rent', 'mum', 'report', 'tokyo']],
    ['due<today', ['taxes', 'chore']],
    ['due<=today', ['rent', 'mum', 'report', 'taxes', 'chore', 'tokyo']],
    ['due>today', ['gym', 'nyc', 'week', 'far']],
    ['due>=tomorrow', ['gym', 'nyc', 'week', 'far']],
    ['due<tomorrow', ['rent', 'mum', 'report', 'taxes', 'chore', 'tokyo']],
    ['due<+7d', ['rent', 'mum', 'report', 'gym', 'taxes', 'chore', 'nyc', 'tokyo']],
    ['due<=+7d', ['rent', 'mum', 'report', 'gym', 'taxes', 'chore', 'nyc', 'tokyo', 'week']],
    ['due:+7d', ['week']],
    ['due:+1w', ['week']],
    ['due:+1y', ['far']],
    ['due:today..tomorrow', ['rent', 'mum', 'report', 'gym', 'nyc', 'tokyo']],
    ['due:..yesterday', ['taxes', 'chore']],
    ['due:+2d..', ['week', 'far']],
    ['due:2026-11-20..2026-11-23', ['taxes', 'chore']],
    ['is:overdue', ['mum', 'taxes']],
    ['-is:overdue due:today', ['rent', 'report', 'tokyo']],
    ['due:none', ['milk', 'skipped', 'cafe', 'regex']],
    ['has:due', except('milk', 'skipped', 'cafe', 'regex')],
    ['-due<today', except('taxes', 'chore')],
    ['is:recurring', ['rent', 'cafe']],
    ['recurring:false', except('rent', 'cafe')],
    ['has:reminder', ['rent', 'regex']],
    ['has:notes', ['milk', 'report', 'cafe']],
    ['-has:notes', except('milk', 'report', 'cafe')],
    ['#bills -is:overdue', ['rent']],
    ['#bills OR #health is:open', ['rent', 'gym', 'taxes', 'week']],
    ['-(#bills | #health) is:open', ['milk', 'mum', 'report', 'nyc', 'tokyo', 'cafe', 'regex', 'far']],
  ])('%s', (q, ids) => {
    const node = parseQuery(q);
    expect(byPredicate(node)).toEqual(ids);
    expect(byMongo(node)).toEqual(ids);
  });

  it('reads "today" and floating dues in the context zone', () => {
    const ny = { ...ctx, zone: 'America/New_York' };
    // 05:00 in New York: a 09:00 floating due is still ahead, yesterday's date-only due has passed.
    expect(byPredicate(parseQuery('due:today'), ny)).toEqual(['rent', 'mum', 'report', 'nyc', 'tokyo']);
    expect(byPredicate(parseQuery('is:overdue'), ny)).toEqual(['taxes']);
  });

  it('covers a whole day when the clocks change', () => {
    const spring = { now: new Date('2026-03-29T12:00:00Z'), zone: 'Europe/Berlin' };
    const p = toPredicate(parseQuery('due:today'), spring);
    const task = SAMPLE_TASKS[0]!;
    expect(p({ ...task, due: { date: '2026-03-29', time: '00:00' } })).toBe(true);
    expect(p({ ...task, due: { date: '2026-03-29', time: '02:30' } })).toBe(true);
    expect(p({ ...task, due: { date: '2026-03-29' } })).toBe(true);
    expect(p({ ...task, due: { date: '2026-03-30', time: '00:00' } })).toBe(false);
  });

  it('refuses a context zone that is not a zone', () => {
    expect(() => toPredicate(parseQuery('due:today'), { ...ctx, zone: 'Mars/Olympus' })).toThrow(/IANA/);
    expect(() => toMongoFilter(parseQuery('due:today'), { ...ctx, zone: 'Mars/Olympus' })).toThrow(/IANA/);
  });
});

describe('toMongoFilter', () => {
  const rx = (s: string) => ({ $regex: s, $options: 'i' });
  const text = (s: string) => ({ $or: [{ title: rx(s) }, { notes: rx(s) }] });
  it.each<[string, Record<string, unknown>]>([
    ['', {}],
    ['milk', text('milk')],
    ['"a.b (c)* $x"', text('a\\.b \\(c\\)\\* \\$x')],
    ['title:rent', { title: rx('rent') }],
    ['-milk', { $nor: [text('milk')] }],
    ['a b OR c', { $or: [{ $and: [text('a'), text('b')] }, text('c')] }],
    ['is:done', { status: 'done' }],
    ['priority:high', { priorityRank: 3 }],
    ['priority>=medium', { priorityRank: { $gte: 2 } }],
    ['priority<p3', { priorityRank: { $lt: 1 } }],
    ['#bills', { tags: 'bills' }],
    ['tag:none', { tags: { $size: 0 } }],
    [
      'due:today',
      { dueAt: { $gte: new Date('2026-11-23T23:00:00Z'), $lte: new Date('2026-11-24T22:59:59.999Z') } },
    ],
    ['due<+7d', { dueAt: { $lt: new Date('2026-11-30T23:00:00Z') } }],
    ['due<=2026-12-31', { dueAt: { $lte: new Date('2026-12-31T22:59:59.999Z') } }],
    ['due>today', { dueAt: { $gt: new Date('2026-11-24T22:59:59.999Z') } }],
    ['due>=-1w', { dueAt: { $gte: new Date('2026-11-16T23:00:00Z') } }],
    ['due:..tomorrow', { dueAt: { $lte: new Date('2026-11-25T22:59:59.999Z') } }],
    ['due:+1m..', { dueAt: { $gte: new Date('2026-12-23T23:00:00Z') } }],
    ['is:overdue', { status: 'open', dueAt: { $lt: new Date('2026-11-24T10:00:00Z') } }],
    ['due:none', { dueAt: null }],
    ['has:due', { dueAt: { $ne: null } }],
    ['is:recurring', { recurrence: { $ne: null } }],
    ['recurring:false', { recurrence: null }],
    ['has:reminder', { hasReminders: true }],
    ['has:notes', { notes: { $exists: true, $ne: '' } }],
  ])('%s', (q, filter) => {
    expect(toMongoFilter(parseQuery(q), ctx)).toEqual(filter);
  });

  it('agrees with toPredicate on the sample queries', () => {
    for (const q of SAMPLE_QUERIES) expect(byMongo(parseQuery(q)), q).toEqual(byPredicate(parseQuery(q)));
  });

  it('agrees with toPredicate on any query, using only portable operators', () => {
    const portable = new Set(['$and', '$or', '$nor', '$regex', '$options', '$exists', '$ne', '$size']);
    ['$gt', '$gte', '$lt', '$lte'].forEach((op) => portable.add(op));
    fc.assert(
      fc.property(queryNodeArbitrary, (node) => {
        expect(byMongo(node)).toEqual(byPredicate(node));
        const ops = JSON.stringify(toMongoFilter(node, ctx)).match(/"\$\w+"/g) ?? [];
        for (const op of ops) expect(portable, op).toContain(op.slice(1, -1));
      }),
      { numRuns: 300 },
    );
  });
});
