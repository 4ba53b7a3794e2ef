import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatQuery, parseQuery, type QueryNode } from './index.ts';
import { queryNodeArbitrary } from './testing.ts';

describe('formatQuery', () => {
  it.each<[string, string]>([
    ['', ''],
    ['milk', 'milk'],
    ['Milk  AND   eggs', 'Milk eggs'],
    ['a and b or c', 'a b OR c'],
    ['a | (b c)', 'a OR b c'],
    ['(a OR b) c', '(a OR b) c'],
    ['NOT (a b)', '-(a b)'],
    ['not not a', '--a'],
    ['-(a)', '-a'],
    ['"pay rent"', '"pay rent"'],
    ['"or"', '"or"'],
    ['"-x" "#a" "!p1"', '"-x" "#a" "!p1"'],
    ['"a:b" 10:30', '"a:b" 10:30'],
    ['"say \\"hi\\""', '"say \\"hi\\""'],
    ['back\\slash "back\\slash x"', 'back\\slash "back\\\\slash x"'],
    ['title:rent title:"the rent"', 'title:rent title:"the rent"'],
    ['status:open is:done', 'is:open is:done'],
    ['!p1 priority:p3 priority>=MEDIUM', 'priority:high priority:low priority>=medium'],
    ['tag:Bills #none tag:none', '#bills #none tag:none'],
    ['due:today due:+1d due:today-1d', 'due:today due:tomorrow due:yesterday'],
    ['due:today+3d due<+7d due>=-2w due:+0w', 'due:+3d due<+7d due>=-2w due:+0w'],
    ['due:2026-01-01..2026-01-31 due:..today due:+1m..', 'due:2026-01-01..2026-01-31 due:..today due:+1m..'],
    ['due:overdue due:any due:none', 'is:overdue has:due due:none'],
    ['recurring:true has:recurrence recurring:false', 'is:recurring is:recurring recurring:false'],
    ['has:reminders has:notes', 'has:reminder has:notes'],
  ])('%s => %s', (src, canonical) => {
    expect(formatQuery(parseQuery(src))).toBe(canonical);
    expect(formatQuery(parseQuery(canonical))).toBe(canonical);
  });

  it('keeps the meaning of trees the parser would not build', () => {
    const a: QueryNode = { type: 'text', value: 'a' };
    expect(formatQuery({ type: 'and', children: [{ type: 'and', children: [a, a] }, a] })).toBe('(a a) a');
    expect(formatQuery({ type: 'or', children: [{ type: 'or', children: [a, a] }, a] })).toBe(
      '(a OR a) OR a',
    );
  });

  it('parses back to the same tree, for any tree', () => {
    fc.assert(
      fc.property(queryNodeArbitrary, (node) => {
        expect(parseQuery(formatQuery(node))).toEqual(node);
      }),
      { numRuns: 2_000 },
    );
  });
});
