// Test helpers for the query language: sample tasks, a fixed context, an in-memory reading of the MongoDB
// filter subset toMongoFilter uses, and an arbitrary of query trees. Imported by tests only.
import fc from 'fast-check';
import { PRIORITIES, PRIORITY_RANK, STATUSES, dueInstant, type Task } from '../task.ts';
import type { QueryContext } from './compile.ts';
import { DATE_UNITS, QUERY_LIMITS, type Comparison, type DateRef, type QueryNode } from './syntax.ts';

/** Tuesday 2026-11-24, 11:00 in Berlin (UTC+1). */
export const QUERY_TEST_CTX: QueryContext = { now: new Date('2026-11-24T10:00:00Z'), zone: 'Europe/Berlin' };

/** A valid open task with no due, tags, notes, reminders or recurrence, changed by `fields`. */
export function sampleTask(fields: Partial<Task> & { id: string }): Task {
  return {
    title: fields.id,
    status: 'open',
    priority: 'none',
    tags: [],
    reminders: [],
    createdAt: '2026-11-01T00:00:00.000Z',
    updatedAt: '2026-11-01T00:00:00.000Z',
    version: 1,
    ...fields,
  };
}

/** Tasks around QUERY_TEST_CTX: dues near midnight, date-only and timed, in other zones, odd text. */
export const SAMPLE_TASKS: Task[] = [
  sampleTask({
    id: 'milk',
    title: 'Buy milk',
    notes: '2% fat, not oat',
    priority: 'low',
    tags: ['shopping'],
  }),
  sampleTask({
    id: 'rent',
    title: 'Pay rent',
    priority: 'high',
    tags: ['bills'],
    due: { date: '2026-11-24' },
    reminders: [{ id: 'r1', offset: '-PT1H' }],
    recurrence: { rrule: 'FREQ=MONTHLY', mode: 'schedule' },
  }),
  sampleTask({
    id: 'mum',
    title: 'Call mum',
    priority: 'medium',
    due: { date: '2026-11-24', time: '09:00' },
  }),
  sampleTask({
    id: 'report',
    title: 'Write report',
    notes: 'Quarterly numbers',
    priority: 'medium',
    due: { date: '2026-11-24', time: '23:59' },
  }),
  sampleTask({ id: 'gym', title: 'Gym', tags: ['health'], due: { date: '2026-11-25', time: '00:00' } }),
  sampleTask({
    id: 'taxes',
    title: 'File taxes',
    priority: 'high',
    tags: ['bills', 'admin'],
    due: { date: '2026-11-23' },
  }),
  sampleTask({ id: 'chore', title: 'Old chore', status: 'done', due: { date: '2026-11-20' } }),
  // 23:30 in New York is 05:30 the next day in Berlin: tomorrow for the owner.
  sampleTask({
    id: 'nyc',
    title: 'Standup NYC',
    due: { date: '2026-11-24', time: '23:30', tz: 'America/New_York' },
  }),
  // 07:00 in Tokyo on the 25th is 23:00 on the 24th in Berlin: today for the owner.
  sampleTask({
    id: 'tokyo',
    title: 'Tokyo call',
    due: { date: '2026-11-25', time: '07:00', tz: 'Asia/Tokyo' },
  }),
  sampleTask({
    id: 'week',
    title: 'Dentist',
    priority: 'low',
    tags: ['health'],
    due: { date: '2026-12-01' },
  }),
  sampleTask({ id: 'skipped', title: 'Skipped thing', status: 'skipped', notes: '' }),
  sampleTask({
    id: 'cafe',
    title: 'CAFÉ été',
    notes: 'Straße',
    recurrence: { rrule: 'FREQ=DAILY', mode: 'after-completion' },
  }),
  sampleTask({
    id: 'regex',
    title: 'Cost (1+1)*2 $ [x] a.b',
    reminders: [{ id: 'r', at: '2026-12-24T08:00:00Z' }],
  }),
  sampleTask({
    id: 'far',
    title: 'Renew passport',
    due: { date: '2027-11-24', time: '12:00' },
    tags: ['admin'],
  }),
];

/** Queries that exercise every construct; a store's contract test can check both compilers on them. */
export const SAMPLE_QUERIES: string[] = [
  'milk',
  'MILK',
  '"2% fat"',
  'oat',
  '-oat',
  'title:oat',
  '"(1+1)*2 $ [x]"',
  'a.b',
  'café',
  'ÉTÉ',
  'straße',
  'is:open',
  'is:done',
  'status:skipped',
  'priority:high',
  '!p2',
  'priority>=medium',
  'priority<medium',
  '#bills',
  'tag:health',
  'tag:none',
  '-tag:none',
  'due:today',
  'due:tomorrow',
  'due:yesterday',
  'due:2026-11-24',
  'due<today',
  'due<=today',
  'due>today',
  'due>=today',
  'due<+7d',
  'due<=+7d',
  'due:+7d',
  'due:-1w..today',
  'due:today..',
  'due:..2026-11-23',
  'due>+1y',
  'due<=today+1y',
  'due:+1m..+1y',
  'is:overdue',
  '-is:overdue',
  'due:none',
  'due:any',
  'has:due',
  'recurring:true',
  'recurring:false',
  'has:reminder',
  '-has:reminder',
  'has:notes',
  '-has:notes',
  'bills OR health',
  '#bills -is:overdue',
  'NOT (due:today OR due:tomorrow)',
  '-(#bills | #health) is:open',
];

/** A task as the store keeps it: the Task fields plus the derived fields toMongoFilter reads. */
export function storedTask(task: Task, ownerZone: string): Record<string, unknown> {
  return {
    ...task,
    dueAt: task.due ? dueInstant(task.due, ownerZone).toJSDate() : null,
    priorityRank: PRIORITY_RANK[task.priority],
    hasReminders: task.reminders.length > 0,
  };
}

/**
 * Whether a document matches a filter, for the operators toMongoFilter uses, with MongoDB's rules:
 * a condition on an array matches any element, null matches a missing field, comparisons only match
 * values of the same type.
 */
export function matchesFilter(doc: Record<string, unknown>, filter: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([key, cond]) => {
    if (key === '$and') return (cond as Filter[]).every((f) => matchesFilter(doc, f));
    if (key === '$or') return (cond as Filter[]).some((f) => matchesFilter(doc, f));
    if (key === '$nor') return !(cond as Filter[]).some((f) => matchesFilter(doc, f));
    return matchesValue(doc[key], cond);
  });
}

type Filter = Record<string, unknown>;

function matchesValue(value: unknown, cond: unknown): boolean {
  const isOperators =
    typeof cond === 'object' &&
    cond !== null &&
    !(cond instanceof Date) &&
    !Array.isArray(cond) &&
    Object.keys(cond).every((k) => k.startsWith('$'));
  if (!isOperators) return equals(value, cond);
  const ops = cond as Filter;
  return Object.entries(ops).every(([op, arg]) => {
    switch (op) {
      case '$regex': {
        const re = new RegExp(arg as string, `${(ops.$options as string | undefined) ?? ''}u`);
        return anyElement(value, (v) => typeof v === 'string' && re.test(v));
      }
      case '$options':
        return true;
      case '$exists':
        return (value !== undefined) === arg;
      case '$ne':
        return !equals(value, arg);
      case '$in':
        return (arg as unknown[]).some((a) => equals(value, a));
      case '$nin':
        return !(arg as unknown[]).some((a) => equals(value, a));
      case '$size':
        return Array.isArray(value) && value.length === arg;
      case '$gt':
      case '$gte':
      case '$lt':
      case '$lte':
        return anyElement(value, (v) => {
          const c = order(v, arg);
          if (c === undefined) return false;
          return op === '$gt' ? c > 0 : op === '$gte' ? c >= 0 : op === '$lt' ? c < 0 : c <= 0;
        });
      default:
        throw new Error(`matchesFilter: ${op} is not in the supported subset`);
    }
  });
}

function anyElement(value: unknown, test: (v: unknown) => boolean): boolean {
  return Array.isArray(value) ? value.some(test) : test(value);
}

function equals(value: unknown, arg: unknown): boolean {
  if (arg === null) return value === null || value === undefined;
  return anyElement(value, (v) =>
    v instanceof Date && arg instanceof Date ? v.getTime() === arg.getTime() : v === arg,
  );
}

function order(a: unknown, b: unknown): number | undefined {
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return undefined;
}

const dateRef: fc.Arbitrary<DateRef> = fc.oneof(
  fc.record({
    kind: fc.constant('relative' as const),
    n: fc.oneof(
      fc.integer({ min: -2, max: 2 }),
      fc.integer({ min: -QUERY_LIMITS.relative, max: QUERY_LIMITS.relative }),
    ),
    unit: fc.constantFrom(...DATE_UNITS),
  }),
  fc
    .date({ min: new Date('1000-01-01'), max: new Date('9999-12-31'), noInvalidDate: true })
    .map((d) => ({ kind: 'date' as const, date: d.toISOString().slice(0, 10) })),
);
const comparison = fc.constantFrom<Comparison>('=', '<', '<=', '>', '>=');
// Text that looks like syntax, so the formatter has to quote it.
const text = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.string({ minLength: 1, maxLength: 6, unit: 'binary' }),
  fc.constantFrom(
    'or',
    'AND',
    'Not',
    '-x',
    '#a',
    '!p1',
    'a:b',
    'due<3',
    '10:30',
    'say "hi"',
    'back\\',
    '(a)',
    'a|b',
  ),
);
const leaf: fc.Arbitrary<QueryNode> = fc.oneof(
  text.map((value) => ({ type: 'text' as const, value })),
  text.map((value) => ({ type: 'title' as const, value })),
  fc.constantFrom(...STATUSES).map((value) => ({ type: 'status' as const, value })),
  fc.record({
    type: fc.constant('priority' as const),
    op: comparison,
    value: fc.constantFrom(...PRIORITIES),
  }),
  fc
    .oneof(
      fc.constant(null),
      fc.constantFrom('none', 'a/b.c-d_e', 'été'),
      fc.stringMatching(/^[a-z0-9_./-]{1,10}$/),
    )
    .map((value) => ({ type: 'tag' as const, value })),
  fc.record({ type: fc.constant('due' as const), op: comparison, date: dateRef }),
  fc
    .tuple(fc.option(dateRef), fc.option(dateRef))
    .filter(([from, to]) => from !== null || to !== null)
    .map(([from, to]) => ({ type: 'dueBetween' as const, from, to })),
  fc.constant({ type: 'overdue' as const }),
  fc.boolean().map((value) => ({ type: 'hasDue' as const, value })),
  fc.boolean().map((value) => ({ type: 'recurring' as const, value })),
  fc.constantFrom('reminder' as const, 'notes' as const).map((value) => ({ type: 'has' as const, value })),
);

/** Query trees in the parser's normal form (flat and/or of two or more), a few levels deep. */
export const queryNodeArbitrary: fc.Arbitrary<QueryNode> = fc.letrec<{ node: QueryNode }>((tie) => ({
  node: fc.oneof(
    { maxDepth: 4, depthSize: 'small' },
    leaf,
    fc.record({ type: fc.constant('not' as const), child: tie('node') }),
    ...(['and', 'or'] as const).map((type) =>
      fc.array(tie('node'), { minLength: 2, maxLength: 4 }).map((children): QueryNode => ({
        type,
        children: children.flatMap((c) => (c.type === type ? c.children : [c])),
      })),
    ),
  ),
})).node;
