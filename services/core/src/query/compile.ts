import { DateTime, IANAZone } from 'luxon';
import { PRIORITY_RANK, dueInstant, type Due, type Task } from '../task.ts';
import type { Comparison, DateRef, QueryNode } from './syntax.ts';

/** What a query is read against: "today" and relative dates are days in `zone`, the owner's IANA zone. */
export interface QueryContext {
  now: Date;
  zone: string;
}

type DueNode = Extract<QueryNode, { type: 'due' | 'dueBetween' }>;
/** Bounds on a due's instant, named as MongoDB names them. */
export type DueBounds = { $gt?: Date; $gte?: Date; $lt?: Date; $lte?: Date };

/** The instants a due must lie between for a `due` or `dueBetween` node; both compilers use this. */
export function dueBounds(node: DueNode, ctx: QueryContext): DueBounds {
  const start = (ref: DateRef) => day(ref, ctx).toJSDate();
  const end = (ref: DateRef) => day(ref, ctx).endOf('day').toJSDate();
  if (node.type === 'dueBetween') {
    return { ...(node.from && { $gte: start(node.from) }), ...(node.to && { $lte: end(node.to) }) };
  }
  switch (node.op) {
    case '=':
      return { $gte: start(node.date), $lte: end(node.date) };
    case '<':
      return { $lt: start(node.date) };
    case '<=':
      return { $lte: end(node.date) };
    case '>':
      return { $gt: end(node.date) };
    case '>=':
      return { $gte: start(node.date) };
  }
}

function day(ref: DateRef, ctx: QueryContext): DateTime {
  if (ref.kind === 'date') return DateTime.fromISO(ref.date, { zone: ctx.zone }).startOf('day');
  const today = DateTime.fromJSDate(ctx.now, { zone: ctx.zone }).startOf('day');
  const units = { d: 'days', w: 'weeks', m: 'months', y: 'years' } as const;
  // startOf again: on a zone whose DST change is at midnight, plus() can land on 01:00.
  return today.plus({ [units[ref.unit]]: ref.n }).startOf('day');
}

const validZones = new Set<string>();

function checkZone(ctx: QueryContext): void {
  if (validZones.has(ctx.zone)) return;
  // An invalid zone would make every date comparison silently false.
  if (!IANAZone.isValidZone(ctx.zone))
    throw new Error(`query context: "${ctx.zone}" is not an IANA time zone`);
  // isValidZone builds an Intl formatter (~0.3 ms): remember the answer, queries run per request.
  validZones.add(ctx.zone);
}

/** The text of a text search as a regular expression source: the user's text, matched literally. */
export function textPattern(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Compiles a query to an in-process test of one task; null matches every task. */
export function toPredicate(node: QueryNode | null, ctx: QueryContext): (task: Task) => boolean {
  if (!node) return () => true;
  checkZone(ctx);
  // Luxon's zone arithmetic dominates the cost; a query with several due terms reads each due once.
  const instants = new WeakMap<Due, number>();
  const instant = (due: Due) => {
    let at = instants.get(due);
    if (at === undefined) instants.set(due, (at = dueInstant(due, ctx.zone).toMillis()));
    return at;
  };
  return predicate(node, ctx, instant);
}

function predicate(n: QueryNode, ctx: QueryContext, instant: (due: Due) => number): (t: Task) => boolean {
  const sub = (c: QueryNode) => predicate(c, ctx, instant);
  switch (n.type) {
    case 'and': {
      const all = n.children.map(sub);
      return (t) => all.every((p) => p(t));
    }
    case 'or': {
      const any = n.children.map(sub);
      return (t) => any.some((p) => p(t));
    }
    case 'not': {
      const p = sub(n.child);
      return (t) => !p(t);
    }
    case 'text': {
      // 'u': Unicode case folding, as MongoDB's PCRE and FerretDB's Go regexp do.
      const re = new RegExp(textPattern(n.value), 'iu');
      return (t) => re.test(t.title) || (t.notes !== undefined && re.test(t.notes));
    }
    case 'title': {
      const re = new RegExp(textPattern(n.value), 'iu');
      return (t) => re.test(t.title);
    }
    case 'status':
      return (t) => t.status === n.value;
    case 'priority': {
      const rank = PRIORITY_RANK[n.value];
      return (t) => compare(PRIORITY_RANK[t.priority], n.op, rank);
    }
    case 'tag':
      return n.value === null ? (t) => t.tags.length === 0 : (t) => t.tags.includes(n.value!);
    case 'due':
    case 'dueBetween': {
      const b = dueBounds(n, ctx);
      const [gt, gte, lt, lte] = [b.$gt, b.$gte, b.$lt, b.$lte].map((d) => d?.getTime());
      return (t) => {
        if (!t.due) return false;
        const at = instant(t.due);
        return !(
          (gt !== undefined && at <= gt) ||
          (gte !== undefined && at < gte) ||
          (lt !== undefined && at >= lt) ||
          (lte !== undefined && at > lte)
        );
      };
    }
    case 'overdue': {
      const now = ctx.now.getTime();
      return (t) => t.status === 'open' && t.due !== undefined && instant(t.due) < now;
    }
    case 'hasDue':
      return (t) => (t.due !== undefined) === n.value;
    case 'recurring':
      return (t) => (t.recurrence !== undefined) === n.value;
    case 'has':
      return n.value === 'reminder'
        ? (t) => t.reminders.length > 0
        : (t) => t.notes !== undefined && t.notes !== '';
  }
}

function compare(a: number, op: Comparison, b: number): boolean {
  switch (op) {
    case '=':
      return a === b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}

const MONGO_OPS = { '<': '$lt', '<=': '$lte', '>': '$gt', '>=': '$gte' } as const;

/**
 * Compiles a query to a MongoDB filter on a stored task (Task fields plus `dueAt`, `priorityRank`,
 * `hasReminders`); {} for null. Only operators that FerretDB 1.24 and MongoDB both implement.
 */
export function toMongoFilter(node: QueryNode | null, ctx: QueryContext): Record<string, unknown> {
  if (!node) return {};
  checkZone(ctx);
  return mongo(node, ctx);
}

function mongo(n: QueryNode, ctx: QueryContext): Record<string, unknown> {
  switch (n.type) {
    case 'and':
    case 'or': {
      // MongoDB rejects an empty $and/$or; only a hand-built tree can have fewer than two children.
      if (n.children.length === 1) return mongo(n.children[0]!, ctx);
      if (n.children.length === 0) return n.type === 'and' ? {} : { $nor: [{}] };
      return { [`$${n.type}`]: n.children.map((c) => mongo(c, ctx)) };
    }
    case 'not':
      // $nor, not $not: it negates a whole clause, so a task without notes (or without a due) matches.
      return { $nor: [mongo(n.child, ctx)] };
    case 'text': {
      const re = { $regex: textPattern(n.value), $options: 'i' };
      return { $or: [{ title: re }, { notes: re }] };
    }
    case 'title':
      return { title: { $regex: textPattern(n.value), $options: 'i' } };
    case 'status':
      return { status: n.value };
    case 'priority': {
      const rank = PRIORITY_RANK[n.value];
      return { priorityRank: n.op === '=' ? rank : { [MONGO_OPS[n.op]]: rank } };
    }
    case 'tag':
      return n.value === null ? { tags: { $size: 0 } } : { tags: n.value };
    case 'due':
    case 'dueBetween':
      // A null dueAt never satisfies a comparison with a Date (type bracketing), as in the predicate.
      return { dueAt: dueBounds(n, ctx) };
    case 'overdue':
      return { status: 'open', dueAt: { $lt: new Date(ctx.now) } };
    case 'hasDue':
      return n.value ? { dueAt: { $ne: null } } : { dueAt: null };
    case 'recurring':
      return n.value ? { recurrence: { $ne: null } } : { recurrence: null };
    case 'has':
      return n.value === 'reminder' ? { hasReminders: true } : { notes: { $exists: true, $ne: '' } };
  }
}

/** A string as a Meilisearch filter value: double-quoted, with `\` and `"` escaped. */
export function meiliString(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

const MEILI_OPS = { '=': '=', '<': '<', '<=': '<=', '>': '>', '>=': '>=' } as const;

/**
 * Compiles a query to a Meilisearch filter expression over the search index's documents (`priorityRank`,
 * `dueAt` in epoch ms or null, `recurring`, `hasReminder`, `hasNotes`, `status`, `tags`, `title`, `notes`);
 * '' for null. Every value is quoted by meiliString, so no user text can change the expression's shape;
 * the caller adds the owner scope around it. Text terms use the CONTAINS operator (an experimental feature
 * the index enables).
 */
export function toMeiliFilter(node: QueryNode | null, ctx: QueryContext): string {
  if (!node) return '';
  checkZone(ctx);
  return meili(node, ctx);
}

function meili(n: QueryNode, ctx: QueryContext): string {
  switch (n.type) {
    case 'and':
    case 'or': {
      if (n.children.length === 0) return n.type === 'and' ? 'id EXISTS' : 'NOT id EXISTS';
      return `(${n.children.map((c) => meili(c, ctx)).join(n.type === 'and' ? ' AND ' : ' OR ')})`;
    }
    case 'not':
      return `(NOT ${meili(n.child, ctx)})`;
    case 'text':
      return `(title CONTAINS ${meiliString(n.value)} OR notes CONTAINS ${meiliString(n.value)})`;
    case 'title':
      return `title CONTAINS ${meiliString(n.value)}`;
    case 'status':
      return `status = ${meiliString(n.value)}`;
    case 'priority':
      return `priorityRank ${MEILI_OPS[n.op]} ${PRIORITY_RANK[n.value]}`;
    case 'tag':
      return n.value === null ? 'tags IS EMPTY' : `tags = ${meiliString(n.value)}`;
    case 'due':
    case 'dueBetween': {
      const b = dueBounds(n, ctx);
      const parts = [
        b.$gt && `dueAt > ${b.$gt.getTime()}`,
        b.$gte && `dueAt >= ${b.$gte.getTime()}`,
        b.$lt && `dueAt < ${b.$lt.getTime()}`,
        b.$lte && `dueAt <= ${b.$lte.getTime()}`,
      ].filter(Boolean);
      // A task without a due has dueAt null, which no comparison matches (as in the other compilers).
      return `(${parts.join(' AND ')})`;
    }
    case 'overdue':
      return `(status = "open" AND dueAt < ${ctx.now.getTime()})`;
    case 'hasDue':
      return n.value ? 'dueAt IS NOT NULL' : 'dueAt IS NULL';
    case 'recurring':
      return `recurring = ${n.value}`;
    case 'has':
      return n.value === 'reminder' ? 'hasReminder = true' : 'hasNotes = true';
  }
}
