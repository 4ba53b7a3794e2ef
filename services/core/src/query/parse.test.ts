import { describe, expect, it } from 'vitest';
import { ValidationError } from '../errors.ts';
import { parseQuery, QueryError, type QueryNode } from './index.ts';

const text = (value: string): QueryNode => ({ type: 'text', value });
const and = (...children: QueryNode[]): QueryNode => ({ type: 'and', children });
const or = (...children: QueryNode[]): QueryNode => ({ type: 'or', children });
const not = (child: QueryNode): QueryNode => ({ type: 'not', child });
const rel = (n: number, unit: 'd' | 'w' | 'm' | 'y' = 'd') => ({ kind: 'relative' as const, n, unit });
const date = (d: string) => ({ kind: 'date' as const, date: d });

describe('parseQuery: terms', () => {
  it.each<[string, QueryNode | null]>([
    ['', null],
    ['   \t ', null],
    ['milk', text('milk')],
    ['"pay the rent"', text('pay the rent')],
    ['"say \\"hi\\" \\\\ C:\\path"', text('say "hi" \\ C:\\path')],
    ['10:30', text('10:30')],
    ['café-au-lait', text('café-au-lait')],
    ['title:rent', { type: 'title', value: 'rent' }],
    ['title:"the rent"', { type: 'title', value: 'the rent' }],
    ['TITLE:Rent', { type: 'title', value: 'Rent' }],
    ['status:open', { type: 'status', value: 'open' }],
    ['is:done', { type: 'status', value: 'done' }],
    ['is:SKIPPED', { type: 'status', value: 'skipped' }],
    ['priority:high', { type: 'priority', op: '=', value: 'high' }],
    ['priority:p1', { type: 'priority', op: '=', value: 'high' }],
    ['priority:p4', { type: 'priority', op: '=', value: 'none' }],
    ['!high', { type: 'priority', op: '=', value: 'high' }],
    ['!p2', { type: 'priority', op: '=', value: 'medium' }],
    ['priority>=medium', { type: 'priority', op: '>=', value: 'medium' }],
    ['priority<p3', { type: 'priority', op: '<', value: 'low' }],
    ['tag:Bills', { type: 'tag', value: 'bills' }],
    ['#Home/Garden', { type: 'tag', value: 'home/garden' }],
    ['tag:none', { type: 'tag', value: null }],
    ['#none', { type: 'tag', value: 'none' }],
    ['due:today', { type: 'due', op: '=', date: rel(0) }],
    ['due:tomorrow', { type: 'due', op: '=', date: rel(1) }],
    ['due:yesterday', { type: 'due', op: '=', date: rel(-1) }],
    ['due:2026-12-31', { type: 'due', op: '=', date: date('2026-12-31') }],
    ['due:+7d', { type: 'due', op: '=', date: rel(7) }],
    ['due:-2w', { type: 'due', op: '=', date: rel(-2, 'w') }],
    ['due:+1m', { type: 'due', op: '=', date: rel(1, 'm') }],
    ['due:+1y', { type: 'due', op: '=', date: rel(1, 'y') }],
    ['due:today+3d', { type: 'due', op: '=', date: rel(3) }],
    ['due:Today-0D', { type: 'due', op: '=', date: rel(0) }],
    ['due<+7d', { type: 'due', op: '<', date: rel(7) }],
    ['due<=2026-12-31', { type: 'due', op: '<=', date: date('2026-12-31') }],
    ['due>today', { type: 'due', op: '>', date: rel(0) }],
    ['due>=today', { type: 'due', op: '>=', date: rel(0) }],
    ['due:2026-01-01..2026-01-31', { type: 'dueBetween', from: date('2026-01-01'), to: date('2026-01-31') }],
    ['due:today..+7d', { type: 'dueBetween', from: rel(0), to: rel(7) }],
    ['due:..today', { type: 'dueBetween', from: null, to: rel(0) }],
    ['due:-1w..', { type: 'dueBetween', from: rel(-1, 'w'), to: null }],
    ['due:overdue', { type: 'overdue' }],
    ['is:overdue', { type: 'overdue' }],
    ['due:none', { type: 'hasDue', value: false }],
    ['due:any', { type: 'hasDue', value: true }],
    ['has:due', { type: 'hasDue', value: true }],
    ['recurring:true', { type: 'recurring', value: true }],
    ['recurring:false', { type: 'recurring', value: false }],
    ['is:recurring', { type: 'recurring', value: true }],
    ['has:recurrence', { type: 'recurring', value: true }],
    ['has:reminder', { type: 'has', value: 'reminder' }],
    ['has:reminders', { type: 'has', value: 'reminder' }],
    ['has:notes', { type: 'has', value: 'notes' }],
  ])('%s', (src, expected) => {
    expect(parseQuery(src)).toEqual(expected);
  });
});

describe('parseQuery: operators', () => {
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(text) as [QueryNode, QueryNode, QueryNode, QueryNode];
  it.each<[string, QueryNode]>([
    ['a b', and(a, b)],
    ['a AND b', and(a, b)],
    ['a and b And c', and(a, b, c)],
    ['a OR b', or(a, b)],
    ['a or b | c', or(a, b, c)],
    ['a|b', or(a, b)],
    ['a b OR c', or(and(a, b), c)],
    ['a OR b c', or(a, and(b, c))],
    ['a AND b OR c AND d', or(and(a, b), and(c, d))],
    ['-a b', and(not(a), b)],
    ['NOT a OR b', or(not(a), b)],
    ['not a b', and(not(a), b)],
    ['--a', not(not(a))],
    ['NOT -a', not(not(a))],
    ['-(a b)', not(and(a, b))],
    ['NOT(a OR b) c', and(not(or(a, b)), c)],
    ['(a OR b) c', and(or(a, b), c)],
    ['a (b OR c) d', and(a, or(b, c), d)],
    ['(a)', a],
    ['((a))', a],
    ['(a b) c', and(a, b, c)],
    ['a OR (b OR c)', or(a, b, c)],
    ['  a   b  ', and(a, b)],
    ['a"b"', and(a, b)],
    ['"or" "NOT"', and(text('or'), text('NOT'))],
    ['nothing ordinary', and(text('nothing'), text('ordinary'))],
    ['-#bills is:open', and(not({ type: 'tag', value: 'bills' }), { type: 'status', value: 'open' })],
  ])('%s', (src, expected) => {
    expect(parseQuery(src)).toEqual(expected);
  });
});

describe('parseQuery: errors', () => {
  it.each<[string, string]>([
    ['"pay rent', 'at 0: unclosed quote (expected a closing quote ("))'],
    ['a ""', 'at 2: expected some text between the quotes'],
    [
      'foo:bar',
      'at 0: unknown field "foo" (expected a field (title:, status:, is:, priority:, tag:, due:, recurring:, has:), or put text with a colon in quotes)',
    ],
    ['due:2026-02-30', 'at 4: "2026-02-30" is not a calendar date (expected a date as YYYY-MM-DD)'],
    [
      'due:2026-1-1',
      'at 4: "2026-1-1" is not a date (expected today, tomorrow, yesterday, YYYY-MM-DD, +7d, -2w, today+3d, A..B, overdue, none or any)',
    ],
    ['milk OR', 'at 7: expected a search term after OR'],
    ['OR milk', 'at 0: expected a search term before OR'],
    ['milk AND OR eggs', 'at 9: expected a search term after AND'],
    ['a ||b', 'at 3: expected a search term after "|"'],
    ['()', 'at 1: expected a search term inside ( )'],
    ['(a b', 'at 4: expected ")" to close the "(" at 0'],
    ['a b)', 'at 3: unexpected ")" (expected a search term, OR, or the end of the query)'],
    [') a', 'at 0: unexpected ")" (expected a search term)'],
    [
      'priority:urgent',
      'at 9: "urgent" is not valid after "priority:" (expected none, low, medium, high or p1 to p4)',
    ],
    ['!p5', 'at 1: "p5" is not valid after "!" (expected none, low, medium, high or p1 to p4)'],
    ['milk !', 'at 6: expected a priority after "!" (none, low, medium, high or p1 to p4)'],
    ['is:open due:', 'at 12: expected a value after "due:" (today, tomorrow, YYYY-MM-DD, +7d, ...)'],
    ['due<overdue', 'at 4: "overdue" is not a date (expected a date: today, tomorrow, YYYY-MM-DD, +7d, ...)'],
    ['due:..', 'at 4: expected a date on at least one side of ".."'],
    [
      'due:today..someday',
      'at 11: "someday" is not a date (expected today, tomorrow, yesterday, YYYY-MM-DD, +7d, -2w, today+3d, A..B, overdue, none or any)',
    ],
    [
      'due:+7x',
      'at 4: "+7x" is not a date (expected today, tomorrow, yesterday, YYYY-MM-DD, +7d, -2w, today+3d, A..B, overdue, none or any)',
    ],
    ['due>+10000d', 'at 4: "+10000d" is too far (expected at most 9999 days, weeks, months or years)'],
    ['status:closed', 'at 7: "closed" is not valid after "status:" (expected open, done or skipped)'],
    ['is:late', 'at 3: "late" is not valid after "is:" (expected open, done, skipped, overdue or recurring)'],
    ['has:tags', 'at 4: "tags" is not valid after "has:" (expected reminder, due, notes or recurrence)'],
    ['recurring:yes', 'at 10: "yes" is not valid after "recurring:" (expected true or false)'],
    ['title<b', 'at 5: "title" can not be compared with "<" (expected "title:")'],
    ['tag:a,b', 'at 4: "a,b" is not a tag (expected a tag of letters, digits, _ - / . (at most 50))'],
    ['#', 'at 1: expected a tag name after "#"'],
    ['milk NOT', 'at 8: expected a search term after NOT'],
    ['a - b', 'at 3: expected a search term right after "-" (no space)'],
    ['-', 'at 1: expected a search term right after "-" (no space)'],
  ])('%s', (src, message) => {
    const err = catchError(src);
    expect(err.message).toBe(message);
    expect(err.details).toEqual([{ path: 'q', issue: message }]);
    expect(message.startsWith(`at ${err.position}: `)).toBe(true);
  });

  it('is a 400 validation error with the position and what was expected', () => {
    const err = catchError('is:open due:');
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ code: 'VALIDATION_FAILED', status: 400, expose: true, name: 'QueryError' });
    expect(err.position).toBe(12);
    expect(err.expected).toBe('a value after "due:" (today, tomorrow, YYYY-MM-DD, +7d, ...)');
  });

  it('limits length and nesting', () => {
    expect(catchError('a'.repeat(2001)).message).toMatch(/^at 2000: the query is too long/);
    expect(parseQuery('('.repeat(32) + 'a' + ')'.repeat(32))).toEqual(text('a'));
    expect(catchError('('.repeat(33) + 'a' + ')'.repeat(33)).message).toMatch(/^at 32: nested too deeply/);
    expect(catchError('-'.repeat(40) + 'a').message).toMatch(/^at 32: nested too deeply/);
  });
});

function catchError(src: string): QueryError {
  try {
    parseQuery(src);
  } catch (e) {
    if (e instanceof QueryError) return e;
    throw e;
  }
  throw new Error(`expected ${JSON.stringify(src)} not to parse`);
}
