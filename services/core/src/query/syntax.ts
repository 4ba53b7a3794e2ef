import type { Priority, Status } from '../task.ts';

export type Comparison = '=' | '<' | '<=' | '>' | '>=';
export const DATE_UNITS = ['d', 'w', 'm', 'y'] as const;
export type DateUnit = (typeof DATE_UNITS)[number];

/** A calendar day: a date, or `n` units away from today in the owner's zone (today is n=0, unit d). */
export type DateRef = { kind: 'date'; date: string } | { kind: 'relative'; n: number; unit: DateUnit };

/**
 * A parsed query, plain JSON. `and`/`or` have at least two children and never a child of their own type
 * (the parser flattens them); that is what lets formatQuery's text parse back to the same tree.
 */
export type QueryNode =
  | { type: 'and'; children: QueryNode[] }
  | { type: 'or'; children: QueryNode[] }
  | { type: 'not'; child: QueryNode }
  /** In the title or the notes, case-insensitive. */
  | { type: 'text'; value: string }
  | { type: 'title'; value: string }
  | { type: 'status'; value: Status }
  | { type: 'priority'; op: Comparison; value: Priority }
  /** null: the task has no tags. */
  | { type: 'tag'; value: string | null }
  /** `=` means "on that day". */
  | { type: 'due'; op: Comparison; date: DateRef }
  /** Both days included; at least one side is set. */
  | { type: 'dueBetween'; from: DateRef | null; to: DateRef | null }
  | { type: 'overdue' }
  | { type: 'hasDue'; value: boolean }
  | { type: 'recurring'; value: boolean }
  | { type: 'has'; value: 'reminder' | 'notes' };

export const QUERY_LIMITS = {
  length: 2_000,
  /** Parentheses and negations; keeps the MongoDB filter well under its nesting limit of 100. */
  depth: 32,
  /** Of a relative date such as +9999d. */
  relative: 9_999,
} as const;

// The lexical rules, shared by the parser and the formatter so that what one writes the other reads.
export const KEYWORDS = new Set(['and', 'or', 'not']);
/** A word runs until whitespace, a parenthesis, a quote or `|`. */
export const NOT_WORD_CHAR = /[\s()"|]/;
/** A word that starts like this is a field term, not text. */
export const FIELD_PREFIX = /^([A-Za-z]+)(<=|>=|<|>|:)/;
