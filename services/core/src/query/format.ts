import { FIELD_PREFIX, KEYWORDS, NOT_WORD_CHAR, type DateRef, type QueryNode } from './syntax.ts';

/** The canonical text of a query ('' for null); parseQuery reads it back to the same tree. */
export function formatQuery(node: QueryNode | null): string {
  return node ? format(node) : '';
}

function format(n: QueryNode): string {
  switch (n.type) {
    case 'and':
      return n.children
        .map((c) => (c.type === 'and' || c.type === 'or' ? `(${format(c)})` : format(c)))
        .join(' ');
    case 'or':
      return n.children.map((c) => (c.type === 'or' ? `(${format(c)})` : format(c))).join(' OR ');
    case 'not':
      return n.child.type === 'and' || n.child.type === 'or'
        ? `-(${format(n.child)})`
        : `-${format(n.child)}`;
    case 'text':
      return text(n.value);
    case 'title':
      return `title:${text(n.value)}`;
    case 'status':
      return `is:${n.value}`;
    case 'priority':
      return `priority${n.op === '=' ? ':' : n.op}${n.value}`;
    case 'tag':
      return n.value === null ? 'tag:none' : `#${n.value}`;
    case 'due':
      return `due${n.op === '=' ? ':' : n.op}${date(n.date)}`;
    case 'dueBetween':
      return `due:${n.from ? date(n.from) : ''}..${n.to ? date(n.to) : ''}`;
    case 'overdue':
      return 'is:overdue';
    case 'hasDue':
      return n.value ? 'has:due' : 'due:none';
    case 'recurring':
      return n.value ? 'is:recurring' : 'recurring:false';
    case 'has':
      return `has:${n.value}`;
  }
}

/** A bare word when the parser would read it back as the same text, else a quoted phrase. */
function text(value: string): string {
  const bare =
    value !== '' &&
    ![...value].some((c) => NOT_WORD_CHAR.test(c)) &&
    !/^[-#!]/.test(value) &&
    !KEYWORDS.has(value.toLowerCase()) &&
    !FIELD_PREFIX.test(value);
  return bare ? value : `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

function date(ref: DateRef): string {
  if (ref.kind === 'date') return ref.date;
  if (ref.unit === 'd' && Math.abs(ref.n) <= 1) return ['yesterday', 'today', 'tomorrow'][ref.n + 1]!;
  return `${ref.n < 0 ? '-' : '+'}${Math.abs(ref.n)}${ref.unit}`;
}
