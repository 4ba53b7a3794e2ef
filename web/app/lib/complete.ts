/** Words of the query language offered as completions (README "The query language"). */
export const QUERY_WORDS = [
  'status:open',
  'status:done',
  'status:skipped',
  'priority:high',
  'priority:medium',
  'priority:low',
  'priority:none',
  'priority>=medium',
  'due:today',
  'due:tomorrow',
  'due:overdue',
  'due:none',
  'due:any',
  'due<+7d',
  'due>=today',
  'is:overdue',
  'is:recurring',
  'has:reminder',
  'has:due',
  'has:notes',
  'has:recurrence',
  'title:',
  'tag:',
  'OR',
  'NOT',
];

/** Whole-value completions for a datalist: the text so far with its last word completed. */
export function completions(value: string, tags: string[], limit = 12): string[] {
  const at = value.search(/\S*$/);
  const head = value.slice(0, at);
  const word = value.slice(at);
  const prefix = word.replace(/^-/, '');
  const sign = word.startsWith('-') ? '-' : '';
  const words = [...QUERY_WORDS, ...tags.map((t) => `#${t}`)];
  return words
    .filter((w) => w.toLowerCase().startsWith(prefix.toLowerCase()) && w !== prefix)
    .slice(0, limit)
    .map((w) => head + sign + w);
}
