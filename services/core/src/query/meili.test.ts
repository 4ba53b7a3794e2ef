import { describe, expect, it } from 'vitest';
import { meiliString, toMeiliFilter } from './compile.ts';
import { parseQuery } from './parse.ts';

// The third target of the query language: a Meilisearch filter over the search index's documents. What it
// selects is checked on a real Meilisearch by the search behaviour table (npm run test:meili); here, its text.
const ctx = { now: new Date('2026-12-06T10:00:00Z'), zone: 'Europe/Berlin' };
const meili = (q: string) => toMeiliFilter(parseQuery(q), ctx);

describe('toMeiliFilter', () => {
  it('compiles each kind of term', () => {
    expect(meili('')).toBe('');
    expect(meili('status:done')).toBe('status = "done"');
    expect(meili('priority>=medium')).toBe('priorityRank >= 2');
    expect(meili('#home')).toBe('tags = "home"');
    expect(meili('is:recurring')).toBe('recurring = true');
    expect(meili('has:reminder')).toBe('hasReminder = true');
    expect(meili('has:notes')).toBe('hasNotes = true');
    expect(meili('due:none')).toBe('dueAt IS NULL');
    expect(meili('is:overdue')).toBe(`(status = "open" AND dueAt < ${ctx.now.getTime()})`);
    // Berlin's 2026-12-07 runs from 06T23:00Z to 07T22:59:59.999Z.
    expect(meili('due:2026-12-07')).toBe(
      `(dueAt >= ${Date.parse('2026-12-06T23:00:00Z')} AND dueAt <= ${Date.parse('2026-12-07T22:59:59.999Z')})`,
    );
    expect(meili('title:rent')).toBe('title CONTAINS "rent"');
    expect(meili('rent')).toBe('(title CONTAINS "rent" OR notes CONTAINS "rent")');
    expect(meili('(#a OR #b) -priority:high')).toBe(
      '((tags = "a" OR tags = "b") AND (NOT priorityRank = 3))',
    );
  });

  it('quotes every value, so no input changes the shape of the expression', () => {
    expect(meiliString('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(meili('title:"x\\" OR owner = \\"y"')).toBe('title CONTAINS "x\\" OR owner = \\"y"');
    expect(meili('"\\\\" OR "a"')).toBe(
      '((title CONTAINS "\\\\" OR notes CONTAINS "\\\\") OR (title CONTAINS "a" OR notes CONTAINS "a"))',
    );
  });
});
