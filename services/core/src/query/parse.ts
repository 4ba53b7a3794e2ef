import { DateTime } from 'luxon';
import { ValidationError } from '../errors.ts';
import { STATUSES, Tag, type Priority, type Status } from '../task.ts';
import {
  DATE_UNITS,
  FIELD_PREFIX,
  KEYWORDS,
  NOT_WORD_CHAR,
  QUERY_LIMITS,
  type Comparison,
  type DateRef,
  type DateUnit,
  type QueryNode,
} from './syntax.ts';

/** A query that does not parse: where (a 0-based offset into the text) and what was expected there. */
export class QueryError extends ValidationError {
  readonly position: number;
  readonly expected: string;

  constructor(position: number, expected: string, problem?: string) {
    const text = problem
      ? `at ${position}: ${problem} (expected ${expected})`
      : `at ${position}: expected ${expected}`;
    super(text, [{ path: 'q', issue: text }]);
    this.position = position;
    this.expected = expected;
  }
}

const FIELDS = ['title', 'status', 'is', 'priority', 'tag', 'due', 'recurring', 'has'] as const;
type Field = (typeof FIELDS)[number];
type Op = ':' | '<' | '<=' | '>' | '>=';

const DUE_HINT = 'today, tomorrow, YYYY-MM-DD, +7d, ...';
const HINTS: Record<Field, string> = {
  title: 'a word or "a phrase"',
  status: 'open, done or skipped',
  is: 'open, done, skipped, overdue or recurring',
  priority: 'none, low, medium, high or p1 to p4',
  tag: 'a tag name, or none',
  due: DUE_HINT,
  recurring: 'true or false',
  has: 'reminder, due, notes or recurrence',
};
const PRIORITY_WORDS: Record<string, Priority> = {
  none: 'none',
  low: 'low',
  medium: 'medium',
  high: 'high',
  p1: 'high',
  p2: 'medium',
  p3: 'low',
  p4: 'none',
};
const RELATIVE_DAYS: Record<string, number> = { today: 0, tomorrow: 1, yesterday: -1 };

/** Parses the query language; blank text is null (everything). Throws QueryError. */
export function parseQuery(src: string): QueryNode | null {
  if (src.length > QUERY_LIMITS.length) {
    throw new QueryError(
      QUERY_LIMITS.length,
      `at most ${QUERY_LIMITS.length} characters`,
      'the query is too long',
    );
  }
  const p = new Parser(src);
  p.skipSpace();
  if (p.atEnd()) return null;
  const node = p.orExpr(null);
  p.skipSpace();
  // orExpr stops only at the end or at a ")" it did not open.
  if (!p.atEnd()) throw new QueryError(p.pos, 'a search term, OR, or the end of the query', 'unexpected ")"');
  return node;
}

class Parser {
  readonly src: string;
  pos = 0;
  depth = 0;

  constructor(src: string) {
    this.src = src;
  }

  atEnd(): boolean {
    return this.pos >= this.src.length;
  }

  peek(): string {
    return this.src[this.pos] ?? '';
  }

  skipSpace(): void {
    while (/\s/.test(this.peek())) this.pos++;
  }

  wordEnd(): number {
    let i = this.pos;
    while (i < this.src.length && !NOT_WORD_CHAR.test(this.src[i]!)) i++;
    return i;
  }

  word(): string {
    const start = this.pos;
    this.pos = this.wordEnd();
    return this.src.slice(start, this.pos);
  }

  keyword(): string | null {
    const w = this.src.slice(this.pos, this.wordEnd()).toLowerCase();
    return KEYWORDS.has(w) ? w : null;
  }

  /** `after` names what came before, for the message when a term is missing. */
  orExpr(after: string | null): QueryNode {
    const children = [this.andExpr(after)];
    for (;;) {
      this.skipSpace();
      if (this.peek() === '|') {
        this.pos++;
        children.push(this.andExpr('"|"'));
      } else if (this.keyword() === 'or') {
        this.pos += 2;
        children.push(this.andExpr('OR'));
      } else {
        return join('or', children);
      }
    }
  }

  andExpr(after: string | null): QueryNode {
    const children = [this.unary(after)];
    for (;;) {
      this.skipSpace();
      const c = this.peek();
      const kw = this.keyword();
      if (c === '' || c === ')' || c === '|' || kw === 'or') return join('and', children);
      if (kw === 'and') {
        this.pos += 3;
        children.push(this.unary('AND'));
      } else {
        children.push(this.unary(null));
      }
    }
  }

  unary(after: string | null): QueryNode {
    this.skipSpace();
    const start = this.pos;
    const c = this.peek();
    const kw = this.keyword();
    if (c === '' || c === ')' || c === '|' || kw === 'or' || kw === 'and') {
      if (after === '"("' && c === ')') throw new QueryError(start, 'a search term inside ( )');
      if (after) throw new QueryError(start, `a search term after ${after}`);
      if (c === ')') throw new QueryError(start, 'a search term', 'unexpected ")"');
      throw new QueryError(start, `a search term before ${kw ? kw.toUpperCase() : '"|"'}`);
    }
    if (c === '-') {
      this.pos++;
      // "a - b" is more likely a typo than a negation.
      if (this.atEnd() || /\s/.test(this.peek()))
        throw new QueryError(this.pos, 'a search term right after "-" (no space)');
      return this.nested(start, () => ({ type: 'not', child: this.unary('"-"') }));
    }
    if (kw === 'not') {
      this.pos += 3;
      return this.nested(start, () => ({ type: 'not', child: this.unary('NOT') }));
    }
    if (c === '(') {
      this.pos++;
      return this.nested(start, () => {
        const node = this.orExpr('"("');
        this.skipSpace();
        if (this.peek() !== ')') throw new QueryError(this.pos, `")" to close the "(" at ${start}`);
        this.pos++;
        return node;
      });
    }
    if (c === '"') return { type: 'text', value: this.phrase() };
    return this.term();
  }

  nested(start: number, inner: () => QueryNode): QueryNode {
    if (++this.depth > QUERY_LIMITS.depth) {
      throw new QueryError(
        start,
        `at most ${QUERY_LIMITS.depth} levels of ( ) and negation`,
        'nested too deeply',
      );
    }
    const node = inner();
    this.depth--;
    return node;
  }

  /** A "quoted phrase"; \" and \\ are escapes, any other backslash is itself. */
  phrase(): string {
    const open = this.pos++;
    let out = '';
    while (!this.atEnd()) {
      const ch = this.peek();
      const next = this.src[this.pos + 1];
      if (ch === '"') {
        this.pos++;
        if (!out) throw new QueryError(open, 'some text between the quotes');
        return out;
      }
      if (ch === '\\' && (next === '"' || next === '\\')) {
        out += next;
        this.pos += 2;
      } else {
        out += ch;
        this.pos++;
      }
    }
    throw new QueryError(open, 'a closing quote (")', 'unclosed quote');
  }

  term(): QueryNode {
    const start = this.pos;
    const c = this.peek();
    if (c === '#' || c === '!') {
      this.pos++;
      const value = this.word();
      if (c === '#') {
        if (!value) throw new QueryError(this.pos, 'a tag name after "#"');
        return { type: 'tag', value: tagName(value, start + 1) };
      }
      if (!value) throw new QueryError(this.pos, `a priority after "!" (${HINTS.priority})`);
      return { type: 'priority', op: '=', value: priority(value, start + 1, '"!"') };
    }
    const word = this.word();
    const m = FIELD_PREFIX.exec(word);
    if (!m) return { type: 'text', value: word };
    const name = m[1]!.toLowerCase();
    if (!isField(name)) {
      throw new QueryError(
        start,
        `a field (${FIELDS.map((f) => `${f}:`).join(', ')}), or put text with a colon in quotes`,
        `unknown field "${m[1]}"`,
      );
    }
    const op = m[2] as Op;
    if (op !== ':' && name !== 'priority' && name !== 'due') {
      throw new QueryError(start + name.length, `"${name}:"`, `"${name}" can not be compared with "${op}"`);
    }
    this.pos = start + m[0].length;
    const quoted = this.peek() === '"';
    const at = quoted ? this.pos + 1 : this.pos;
    const value = quoted ? this.phrase() : this.word();
    const label = `"${name}${op}"`;
    if (!value) throw new QueryError(at, `a value after ${label} (${HINTS[name]})`);
    const v = value.toLowerCase();
    const bad = () => new QueryError(at, HINTS[name], `"${value}" is not valid after ${label}`);
    switch (name) {
      case 'title':
        return { type: 'title', value };
      case 'status':
        if (isStatus(v)) return { type: 'status', value: v };
        throw bad();
      case 'is':
        if (isStatus(v)) return { type: 'status', value: v };
        if (v === 'overdue') return { type: 'overdue' };
        if (v === 'recurring') return { type: 'recurring', value: true };
        throw bad();
      case 'priority':
        return { type: 'priority', op: comparison(op), value: priority(value, at, label) };
      case 'tag':
        return { type: 'tag', value: v === 'none' ? null : tagName(value, at) };
      case 'due':
        return due(op, value, at);
      case 'recurring':
        if (v === 'true' || v === 'false') return { type: 'recurring', value: v === 'true' };
        throw bad();
      case 'has':
        if (v === 'reminder' || v === 'reminders') return { type: 'has', value: 'reminder' };
        if (v === 'notes') return { type: 'has', value: 'notes' };
        if (v === 'due') return { type: 'hasDue', value: true };
        if (v === 'recurrence') return { type: 'recurring', value: true };
        throw bad();
    }
  }
}

function join(type: 'and' | 'or', children: QueryNode[]): QueryNode {
  if (children.length === 1) return children[0]!;
  return { type, children: children.flatMap((c) => (c.type === type ? c.children : [c])) };
}

const isField = (s: string): s is Field => (FIELDS as readonly string[]).includes(s);
const isStatus = (s: string): s is Status => (STATUSES as readonly string[]).includes(s);
const comparison = (op: Op): Comparison => (op === ':' ? '=' : op);

function priority(text: string, at: number, after: string): Priority {
  const p = PRIORITY_WORDS[text.toLowerCase()];
  if (!p) throw new QueryError(at, HINTS.priority, `"${text}" is not valid after ${after}`);
  return p;
}

function tagName(text: string, at: number): string {
  const tag = Tag.safeParse(text);
  if (!tag.success) {
    throw new QueryError(at, 'a tag of letters, digits, _ - / . (at most 50)', `"${text}" is not a tag`);
  }
  return tag.data;
}

function due(op: Op, value: string, at: number): QueryNode {
  const v = value.toLowerCase();
  if (op !== ':') return { type: 'due', op: comparison(op), date: dateRef(value, at, `a date: ${DUE_HINT}`) };
  if (v === 'overdue') return { type: 'overdue' };
  if (v === 'none' || v === 'any') return { type: 'hasDue', value: v === 'any' };
  const hint = 'today, tomorrow, yesterday, YYYY-MM-DD, +7d, -2w, today+3d, A..B, overdue, none or any';
  const dots = value.indexOf('..');
  if (dots < 0) return { type: 'due', op: '=', date: dateRef(value, at, hint) };
  const from = value.slice(0, dots);
  const to = value.slice(dots + 2);
  if (!from && !to) throw new QueryError(at, 'a date on at least one side of ".."');
  return {
    type: 'dueBetween',
    from: from ? dateRef(from, at, hint) : null,
    to: to ? dateRef(to, at + dots + 2, hint) : null,
  };
}

function dateRef(text: string, at: number, hint: string): DateRef {
  const s = text.toLowerCase();
  const named = RELATIVE_DAYS[s];
  if (named !== undefined) return { kind: 'relative', n: named, unit: 'd' };
  const rel = /^(?:today)?([+-])(\d+)([a-z])$/.exec(s);
  if (rel && (DATE_UNITS as readonly string[]).includes(rel[3]!)) {
    const n = Number(rel[2]);
    if (n > QUERY_LIMITS.relative) {
      throw new QueryError(
        at,
        `at most ${QUERY_LIMITS.relative} days, weeks, months or years`,
        `"${text}" is too far`,
      );
    }
    return { kind: 'relative', n: rel[1] === '-' && n > 0 ? -n : n, unit: rel[3] as DateUnit };
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
    if (!DateTime.fromISO(s, { zone: 'utc' }).isValid) {
      throw new QueryError(at, 'a date as YYYY-MM-DD', `"${text}" is not a calendar date`);
    }
    return { kind: 'date', date: s };
  }
  throw new QueryError(at, hint, `"${text}" is not a date`);
}
