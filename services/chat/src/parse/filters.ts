/**
 * What a list, a search or a bulk command selects: status, priority, tags, due range, and the product's
 * query-language text for it. The query is built as a tree and written by core's formatQuery, so it is
 * the canonical text the task board's filter box would show for the same selection.
 */
import type { DateTime } from 'luxon';
import type { ClarifyReason, Filter, Priority, Sort } from './contract.ts';
import { formatQuery, type QueryNode } from '@todo/core';
import {
  dateAt,
  nextWeekdayAmbiguity,
  weekStart,
  isoDay,
  monthNumber,
  NUMBER,
  toNumber,
  type LocalClock,
} from './dates.ts';
import { findPriority, findTags } from './attributes.ts';
import type { Scan } from './text.ts';

export interface Selection {
  filter: Filter;
  recurring?: boolean;
  reminder?: boolean;
  sort?: Sort;
  text?: string;
  /** The user asked for done and open alike ("including completed"): no default status. */
  anyStatus?: boolean;
}

type Range = NonNullable<Filter['due']>;

const single = (d: DateTime): Range => ({ from: isoDay(d), to: isoDay(d) });
const span = (a: DateTime, b: DateTime): Range => ({ from: isoDay(a), to: isoDay(b) });

/** A due-date range ("this week", "before friday", "overdue"); claims it. */
export function findRange(scan: Scan, clock: LocalClock): Range | { clarify: ClarifyReason } | null {
  const f = (re: RegExp) => scan.find(re);
  const today = clock.now.startOf('day');
  const week = weekStart(clock);
  let h;
  if (f(/\b(overdue|late|past\s+due|missed|behind(\s+on)?)\b/)) return 'overdue';
  if (f(/\b(no\s+(due\s+)?date|without\s+(a\s+)?(due\s+)?date|undated|unscheduled|no\s+deadline|someday)\b/))
    return 'none';
  if (
    (h = f(
      new RegExp(`\\b(?:in\\s+)?(?:the\\s+)?(?:next|coming|upcoming)\\s+${NUMBER}\\s+(days?|weeks?)\\b`),
    ))
  ) {
    const n = toNumber(h.match[1]!) * (h.match[2]!.startsWith('week') ? 7 : 1);
    return span(today, today.plus({ days: Math.max(1, Math.round(n)) - 1 }));
  }
  if (f(/\b(?:the\s+)?(?:week\s+ahead|coming\s+week|next\s+seven\s+days)\b/))
    return span(today, today.plus({ days: 6 }));
  if ((h = f(/\b(this|next|last|the)\s+(week(?!end)|month|year)\b/))) {
    const unit = h.match[2] as 'week' | 'month' | 'year';
    const shift = { this: 0, the: 0, next: 1, last: -1 }[h.match[1] as 'this'];
    if (unit === 'week') return span(week.plus({ weeks: shift }), week.plus({ weeks: shift, days: 6 }));
    const start = today.startOf(unit).plus({ [`${unit}s`]: shift });
    return span(start, start.endOf(unit));
  }
  if ((h = f(/\b(?:(this|next|the)\s+)?weekend\b/))) {
    // The weekend to come, or the one we are in.
    const sat = today.plus({
      days: today.weekday === 7 ? -1 : 6 - today.weekday + (h.match[1] === 'next' ? 7 : 0),
    });
    return span(sat, sat.plus({ days: 1 }));
  }
  if (f(/\b(today|tonight)(_s)?\b/)) return single(today);
  if (f(/\btomorrow(_s)?\b/)) return single(today.plus({ days: 1 }));
  if (f(/\byesterday\b/)) return single(today.minus({ days: 1 }));
  if (f(/\b(upcoming|coming\s+up|future|ahead)\b/)) return { from: isoDay(today) };

  // Open-ended and explicit ranges around a date phrase.
  const bound = (kw: string): DateTime | null => {
    const m = new RegExp(`\\b(?:${kw})\\s+`).exec(scan.view());
    if (!m) return null;
    const after = scan.view().slice(m.index + m[0].length);
    const at = dateAt(after, clock);
    const month = at ? null : /^\s*(\w+)/.exec(after);
    const d = at?.date ?? (month ? monthStart(month[1]!, clock) : null);
    if (!d) return null;
    const end = m.index + m[0].length + (at ? at.length : month![0].length);
    scan.claim(...range(scan, m.index, end));
    return d;
  };
  if ((h = f(/\bbetween\s+(.+?)\s+and\s+(.+)$/))) {
    const a = dateAt(h.match[1]!, clock);
    const b = dateAt(h.match[2]!, clock);
    if (a && b) return span(a.date, b.date);
  }
  let d;
  if ((d = bound('before'))) return { to: isoDay(d.minus({ days: 1 })) };
  if ((d = bound('by|until|till|no\\s+later\\s+than'))) return { to: isoDay(d) };
  if ((d = bound('after'))) return { from: isoDay(d.plus({ days: 1 })) };
  if ((d = bound('since|from|starting'))) return { from: isoDay(d) };

  const month = f(
    /\bin\s+(january|february|march|april|may|june|july|august|september|october|november|december)\b(?!\s+\d)/,
  );
  if (month) {
    const start = monthStart(month.match[1]!, clock)!;
    return span(start, start.endOf('month'));
  }
  const next = /\bnext\s+(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b/.exec(scan.view());
  if (next) {
    if (nextWeekdayAmbiguity(next[0], clock)) {
      scan.find(/\bnext\s+\w+day\b/);
      return { clarify: 'ambiguous-date' };
    }
  }
  // A single day: "on friday", "due dec 3", "for 1/12".
  const view = scan.view();
  for (const m of view.matchAll(/\S+/g)) {
    if (!/\d|day|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec|next|this/.test(m[0])) continue;
    const at = dateAt(view.slice(m.index), clock);
    if (at) {
      scan.claim(...range(scan, m.index, m.index + at.length));
      return single(at.date);
    }
  }
  return null;
}

function range(scan: Scan, start: number, end: number): [number, number] {
  const { from, to } = scan.tokensAt(start, end);
  return [from, to];
}

function monthStart(words: string, clock: LocalClock): DateTime | null {
  if (!/^(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*$/.test(words)) return null;
  let d = clock.now.set({ month: monthNumber(words), day: 1 }).startOf('day');
  if (d.month < clock.now.month) d = d.plus({ years: 1 });
  return d;
}

const SORT_WORDS = String.raw`(?:(?:sort(?:ed)?|order(?:ed)?|list(?:ed)?)\s+)?`;
const SORTS: [RegExp, Sort][] = [
  [
    new RegExp(String.raw`\b${SORT_WORDS}(?:by\s+(?:due(?:\s+date)?|date|deadline)|soonest\s+first)\b`),
    'due',
  ],
  [
    new RegExp(String.raw`\b${SORT_WORDS}(?:by\s+(?:priority|importance)|most\s+important\s+first)\b`),
    'priority',
  ],
  [
    new RegExp(
      String.raw`\b${SORT_WORDS}(?:by\s+(?:created|creation(?:\s+date)?|date\s+added)|(?:newest|oldest|recently\s+added|latest)(?:\s+first)?)\b`,
    ),
    'created',
  ],
  [
    new RegExp(
      String.raw`\b${SORT_WORDS}(?:by\s+(?:updated|last\s+updated|modified)|recently\s+(?:updated|changed|modified))\b`,
    ),
    'updated',
  ],
  [
    new RegExp(
      String.raw`\b${SORT_WORDS}(?:by\s+(?:title|name)|alphabetical(?:ly)?|a\s*-?\s*z|a\s+to\s+z)\b`,
    ),
    'title',
  ],
];

/** Reads a selection: everything list, search and the bulk commands filter on. Claims what it reads. */
export function findSelection(scan: Scan, clock: LocalClock): Selection | { clarify: ClarifyReason } {
  const sel: Selection = { filter: {} };
  for (const [re, sort] of SORTS) {
    if (scan.find(re)) {
      sel.sort = sort;
      break;
    }
  }
  const tags = findTags(scan, true);
  if (tags.length) sel.filter.tags = tags;
  const priority: Priority | null = findPriority(scan);
  if (priority) sel.filter.priority = priority;
  if (
    scan.find(
      /\b(?:including|incl|with|and)\s+(?:the\s+)?(?:done|completed|finished|closed)(?:\s+ones)?\b|\b(?:done|completed)\s+(?:and|or)\s+(?:open|not\s+done)\b|\b(?:open|not\s+done)\s+(?:and|or)\s+(?:done|completed)\b|\beverything\b/,
    )
  ) {
    sel.anyStatus = true;
  } else if (
    scan.find(
      /\b(done|completed|finished|closed|checked\s+off|ticked\s+off|did\s+i\s+(?:do|finish|complete))\b/,
    )
  ) {
    sel.filter.status = 'done';
  } else if (
    scan.find(
      /\b(open|pending|remaining|incomplete|unfinished|not\s+done|outstanding|active|left\s+to\s+do|still\s+to\s+do|left)\b/,
    )
  ) {
    sel.filter.status = 'open';
  }
  if (scan.find(/\b(recurring|repeating|repeats|series)\b/)) sel.recurring = true;
  if (scan.find(/\b(?:with|have|having|that\s+have)\s+(?:a\s+)?reminders?\b/)) sel.reminder = true;
  const range = findRange(scan, clock);
  if (range && typeof range === 'object' && 'clarify' in range) return range;
  if (range) sel.filter.due = range;
  return sel;
}

/** The selection as query-language text, in core's canonical form. */
export function toQuery(sel: Selection): string {
  const nodes: QueryNode[] = [];
  const f = sel.filter;
  if (f.status) nodes.push({ type: 'status', value: f.status });
  if (f.priority) nodes.push({ type: 'priority', op: '=', value: f.priority });
  for (const t of f.tags ?? []) nodes.push({ type: 'tag', value: t });
  if (f.due === 'overdue') nodes.push({ type: 'overdue' });
  else if (f.due === 'none') nodes.push({ type: 'hasDue', value: false });
  else if (f.due) {
    const from = f.due.from ? { kind: 'date' as const, date: f.due.from } : null;
    const to = f.due.to ? { kind: 'date' as const, date: f.due.to } : null;
    if (from && to && from.date === to.date) nodes.push({ type: 'due', op: '=', date: from });
    else if (from && to) nodes.push({ type: 'dueBetween', from, to });
    else if (from) nodes.push({ type: 'due', op: '>=', date: from });
    else if (to) nodes.push({ type: 'due', op: '<=', date: to });
  }
  if (sel.recurring) nodes.push({ type: 'recurring', value: true });
  if (sel.reminder) nodes.push({ type: 'has', value: 'reminder' });
  if (sel.text) nodes.push({ type: 'text', value: sel.text });
  if (nodes.length === 0) return formatQuery(null);
  return formatQuery(nodes.length === 1 ? nodes[0]! : { type: 'and', children: nodes });
}
