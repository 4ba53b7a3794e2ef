/**
 * Reading a message into words: a normalised, lower-case, typo-corrected form for the grammar, the
 * original text kept beside it for titles. Every later step works on a `Scan`, which marks the words it
 * has understood; what no step claimed becomes the task's title.
 */

/** The longest message the parser reads; the rest is ignored (the service caps messages anyway). */
export const MAX_INPUT = 2_000;

export interface Token {
  /** As typed, for titles. */
  raw: string;
  /** Lower-case, punctuation trimmed, shorthands expanded and typos corrected; may be '' (emoji). */
  norm: string;
  /** Lower-case with punctuation trimmed, nothing else changed: for names of tasks and search words. */
  plain: string;
  /** The text between quotes, for a quoted token. */
  quoted?: string;
}

// Shorthand people type in chat boxes. Expanded before anything else reads the words.
const SHORTHAND_LIST: Record<string, string> = {
  tmrw: 'tomorrow',
  tmr: 'tomorrow',
  tmrrw: 'tomorrow',
  tmw: 'tomorrow',
  tmro: 'tomorrow',
  tmrow: 'tomorrow',
  '2moro': 'tomorrow',
  '2morrow': 'tomorrow',
  '2mrw': 'tomorrow',
  tomo: 'tomorrow',
  tommorow: 'tomorrow',
  tommorrow: 'tomorrow',
  '2day': 'today',
  tdy: 'today',
  tonite: 'tonight',
  '2nite': 'tonight',
  '2night': 'tonight',
  nxt: 'next',
  wk: 'week',
  wks: 'weeks',
  wkly: 'weekly',
  wkday: 'weekday',
  wkdays: 'weekdays',
  wknd: 'weekend',
  wknds: 'weekends',
  wkend: 'weekend',
  wkends: 'weekends',
  nite: 'night',
  yr: 'year',
  yrs: 'years',
  yrly: 'yearly',
  mth: 'month',
  mths: 'months',
  mthly: 'monthly',
  othr: 'other',
  arvo: 'afternoon',
  // End of (the working) day.
  eod: '5pm',
  cob: '5pm',
  xmas: 'christmas',
  mins: 'minutes',
  min: 'minutes',
  hr: 'hour',
  hrs: 'hours',
  h: 'hours',
  pls: 'please',
  plz: 'please',
  thx: 'thanks',
  ty: 'thanks',
  abt: 'about',
  b4: 'before',
  u: 'you',
  ur: 'your',
  '&': 'and',
  '+': 'and',
  'w/': 'with',
  '@': 'at',
  thurs: 'thursday',
  thur: 'thursday',
  thu: 'thursday',
  tues: 'tuesday',
  tue: 'tuesday',
  wed: 'wednesday',
  weds: 'wednesday',
  mon: 'monday',
  fri: 'friday',
  sat: 'saturday',
  sun: 'sunday',
  cant: "can't",
  dont: 'do not',
  "don't": 'do not',
  "doesn't": 'does not',
  "i'm": 'i am',
  im: 'i am',
  "it's": 'it is',
  isnt: 'is not',
  "isn't": 'is not',
  wasnt: 'was not',
  "wasn't": 'was not',
  arent: 'are not',
  "aren't": 'are not',
  shouldnt: 'should not',
  "shouldn't": 'should not',
  "what's": 'what is',
  whats: 'what is',
  "that's": 'that is',
  "let's": 'let us',
  "i've": 'i have',
  "i'd": 'i would',
  "i'll": 'i will',
  todo: 'todo',
  evry: 'every',
  evey: 'every',
  eveyr: 'every',
  hlep: 'help',
  halp: 'help',
  shwo: 'show',
  lsit: 'list',
  dnoe: 'done',
  tmorrow: 'tomorrow',
  tomorow: 'tomorrow',
  tomrrow: 'tomorrow',
  'to-do': 'todo',
  'to-dos': 'todos',
};

/**
 * The words typos are corrected towards: the grammar's keywords, weekdays and months. Titles keep what
 * was typed; only the normalised form the grammar reads is corrected.
 */
// A Map, not the object: a typed word such as "__proto__" or "constructor" must not find Object's members.
const SHORTHANDS = new Map(Object.entries(SHORTHAND_LIST));

const VOCABULARY = [
  // dates and times
  'monday',
  'tuesday',
  'wednesday',
  'thursday',
  'friday',
  'saturday',
  'sunday',
  'mondays',
  'tuesdays',
  'wednesdays',
  'thursdays',
  'fridays',
  'saturdays',
  'sundays',
  'january',
  'february',
  'march',
  'april',
  'august',
  'september',
  'october',
  'november',
  'december',
  'tomorrow',
  'today',
  'tonight',
  'weekday',
  'weekdays',
  'weekend',
  'weekends',
  'morning',
  'afternoon',
  'evening',
  'midnight',
  'minute',
  'minutes',
  'hours',
  'weeks',
  'month',
  'months',
  'years',
  'daily',
  'weekly',
  'monthly',
  'yearly',
  'annually',
  'fortnight',
  'fortnightly',
  'biweekly',
  'quarterly',
  'every',
  'other',
  'until',
  'starting',
  'except',
  'after',
  'before',
  'finish',
  'finished',
  'completion',
  'overdue',
  'second',
  'third',
  'fourth',
  // intents
  'remind',
  'reminder',
  'reminders',
  'delete',
  'deleted',
  'remove',
  'complete',
  'completed',
  'reopen',
  'reschedule',
  'postpone',
  'rename',
  'search',
  'snooze',
  'repeat',
  'repeating',
  'recurring',
  'resume',
  'pause',
  'paused',
  'priority',
  'urgent',
  'important',
  'tasks',
  'create',
  'change',
  'update',
  'untag',
  'label',
  'please',
  'schedule',
  'series',
  'upcoming',
];
const VOCAB_SET = new Set(VOCABULARY);

/** Real words one edit away from a keyword; never "corrected". */
const PROTECTED = new Set([
  'sundae',
  'remote',
  'rewind',
  'dairy',
  'daisy',
  'mouth',
  'alter',
  'starch',
  'finnish',
  'mother',
  'either',
  'later',
  'water',
  'cause',
  'clause',
  'usage',
  'minuet',
  'seconds',
  'repent',
  'compete',
  'relate',
  'related',
  'lapel',
  'event',
  'events',
  'reminds',
  'reminded',
  'remained',
  'reach',
  'chance',
  'charge',
  'crate',
  'updated',
  'serves',
  'finishes',
  'early',
  'nearly',
  'hourly',
  'marsh',
  'marches',
  'mouths',
  'forth',
  'thirds',
  'tough',
  'afters',
  'tasty',
  'taste',
  'paste',
  'pasta',
  'mondo',
  'sunny',
  'sundry',
  'fryday',
  'revise',
  'unite',
  'untie',
  'hours',
  'house',
  'every',
  'evert',
  'other',
  'others',
  'otter',
  'seconds',
  'secondly',
  'recur',
  'recurs',
  'labor',
  'lobel',
  'urgently',
  'delegate',
  'monkey',
  'mommy',
  'tommy',
  'reopened',
  'actually',
  'annual',
  'annuals',
  'complain',
  'compete',
  'complex',
  'creature',
  'payday',
  'sunday_s',
]);

/** Damerau-Levenshtein (optimal string alignment) distance, capped: returns max+1 once it is exceeded. */
export function editDistance(a: string, b: string, max = 2): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, prev2[j - 2]! + 1);
      cur.push(v);
      rowMin = Math.min(rowMin, v);
    }
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The keyword a mistyped word stands for, or the word itself. Conservative on purpose: only words of
 * five letters or more, the first letter must match (people rarely get it wrong), one edit allowed
 * (two from eight letters), and the nearest keyword must be the only one that near.
 */
export function correctTypo(word: string): string {
  if (word.length < 5 || !/^[a-z]+$/.test(word) || VOCAB_SET.has(word) || PROTECTED.has(word)) return word;
  const max = word.length >= 9 ? 2 : 1;
  let best: string | null = null;
  let bestDistance = max + 1;
  let tie = false;
  for (const v of VOCABULARY) {
    if (v[0] !== word[0]) continue;
    const d = editDistance(word, v, max);
    if (d < bestDistance) {
      best = v;
      bestDistance = d;
      tie = false;
    } else if (d === bestDistance) {
      tie = true;
    }
  }
  return best && !tie ? best : word;
}

/** The normalised form of one typed word (without typo correction). */
export function normalizeWord(raw: string): string {
  let w = raw
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`]/g, "'");
  if (/^!{2,3}$/.test(w)) return w;
  if (SHORTHANDS.has(w)) return SHORTHANDS.get(w)!;
  // Leading punctuation except the sigils the grammar reads (#tag, !high, @5pm), trailing punctuation all.
  w = w.replace(/^[^\p{L}\p{N}#!@$€£]+/u, '').replace(/[^\p{L}\p{N}%]+$/u, '');
  if (w.startsWith('@') && w.length > 1) return `at ${w.slice(1)}`;
  if (SHORTHANDS.has(w)) return SHORTHANDS.get(w)!;
  // "3x a week" is "3 times a week".
  if (/^\d{1,3}x$/.test(w)) return `${w.slice(0, -1)} times`;
  // A possessive is part of a name, not a date or a plural: "monday's meeting" is not "mondays".
  if (/^[\p{L}\p{N}]+'s$/u.test(w)) return `${w.slice(0, -2)}_s`;
  // Apostrophes inside words ("mom's", "sept's") carry nothing the grammar needs.
  w = w.replace(/'/g, '');
  return SHORTHANDS.get(w) ?? w;
}

const QUOTED = /"([^"]*)"|\u201c([^\u201d]*)\u201d|(?<=^|\s)'([^']+)'(?=$|[\s,.!?:;])|\S+/g;

/** Splits a message into tokens, quoted runs kept whole. Control characters count as spaces. */
export function tokenize(text: string): Token[] {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this removes
  const clean = text.slice(0, MAX_INPUT).replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
  const tokens: Token[] = [];
  for (const m of clean.matchAll(QUOTED)) {
    const quoted = m[1] ?? m[2] ?? m[3];
    if (quoted !== undefined) {
      const inner = quoted.trim();
      if (inner) tokens.push({ raw: m[0], norm: '', plain: inner.toLowerCase(), quoted: inner });
      continue;
    }
    const raw = m[0];
    const plain = raw
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[\u2018\u2019\u02bc`]/g, "'")
      .replace(/^[^\p{L}\p{N}#]+|[^\p{L}\p{N}]+$/gu, '');
    const norm = normalizeWord(raw)
      .split(' ')
      .map((w) => correctTypo(w))
      .join(' ');
    tokens.push({ raw, norm, plain });
  }
  return inContext(tokens);
}

const DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
/** Short day names that are English words too: "sun cream", "sat nav", "wed dress", "mon ami". */
const WORDLIKE_DAYS = new Set(['sun', 'sat', 'wed', 'mon']);
/** Words that can follow a day name in a date phrase ("sat morning", "sun at 9", "wed, #gym"). */
const AFTER_DAY =
  /^(?:$|[#!]|\d|at|on|by|in|and|or|to|with|w|for|about|re|regarding|around|if|so|then|because|as|before|after|until|till|every|each|next|this|morning|afternoon|evening|night|tonight|noon|midday|lunchtime|midnight|am|pm|week|weekly|except|but|not|other|skip|starting|from|remind|p[1-4]$|urgent|high|low|medium|asap|important)/;

/**
 * Readings that depend on the neighbouring words: "tues/thurs" is two days; "eve" after a day is the
 * evening ("tmrw eve"), not "christmas eve"; a short day name followed by a word that can not follow a
 * date is that word ("buy sun cream", "sat nav update").
 */
function inContext(tokens: Token[]): Token[] {
  tokens.forEach((t, i) => {
    if (t.quoted !== undefined) return;
    const prev = tokens[i - 1]?.norm ?? '';
    const next = tokens[i + 1];
    const days = t.norm.split('/');
    const range = t.norm.split('-').map((d) => DAY_NAMES.indexOf(normalizeWord(d)));
    if (days.length > 1 && days.every((d) => DAY_NAMES.includes(normalizeWord(d)))) {
      t.norm = days.map((d) => normalizeWord(d)).join(' and ');
    } else if (range.length === 2 && range[0]! >= 0 && range[1]! >= 0 && range[0] !== range[1]) {
      // "mon-fri", "fri-sun": every day from the first to the last, round the end of the week.
      const n = (range[1]! - range[0]! + 7) % 7;
      t.norm = Array.from({ length: n + 1 }, (_, k) => DAY_NAMES[(range[0]! + k) % 7]).join(' and ');
    } else if (
      t.norm === 'eve' &&
      /^(?:today|tomorrow|monday|tuesday|wednesday|thursday|friday|saturday|sunday)$/.test(prev)
    ) {
      t.norm = 'evening';
    } else if (
      WORDLIKE_DAYS.has(t.plain) &&
      /^[a-z]/.test(t.raw) &&
      next &&
      next.quoted === undefined &&
      !/[,.;:!?]$/.test(t.raw) &&
      !AFTER_DAY.test(next.norm) &&
      !DAY_NAMES.includes(next.norm.replace(/s$/, '')) &&
      !/^(?:every|each|on|next|this|last|until|till|by|from|except|but|not|than|excluding|excl|skip|skipping|and|or)$/.test(
        prev,
      )
    ) {
      // Marked so no date reader sees a day in it (as "monday_s" for "monday's").
      t.norm = `${t.plain}_`;
    }
  });
  return tokens;
}

/** A span of the normalised text that a pattern matched, as token indexes [from, to). */
export interface Hit {
  from: number;
  to: number;
  match: RegExpExecArray;
}

/**
 * A message being read: its tokens, which ones a step has claimed, and the normalised text with
 * claimed words blanked out (same length, so positions keep meaning across steps).
 */
export class Scan {
  readonly tokens: Token[];
  readonly used: boolean[];
  private readonly starts: number[] = [];
  readonly norm: string;

  constructor(text: string) {
    this.tokens = tokenize(text);
    this.used = this.tokens.map(() => false);
    let pos = 0;
    for (const t of this.tokens) {
      this.starts.push(pos);
      pos += t.norm.length + 1;
    }
    this.norm = this.tokens.map((t) => t.norm).join(' ');
  }

  /** The normalised text with claimed tokens blanked. */
  view(): string {
    return this.tokens.map((t, i) => (this.used[i] ? ' '.repeat(t.norm.length) : t.norm)).join(' ');
  }

  /** The tokens a character range of the view covers. */
  tokensAt(start: number, end: number): { from: number; to: number } {
    let from = -1;
    let to = -1;
    for (let i = 0; i < this.tokens.length; i++) {
      const s = this.starts[i]!;
      const e = s + this.tokens[i]!.norm.length;
      if (e > start && s < end && this.tokens[i]!.norm.length > 0) {
        if (from < 0) from = i;
        to = i + 1;
      }
    }
    return { from, to };
  }

  /** Finds a pattern in the view (not in claimed words); claims it unless `claim` is false. */
  find(re: RegExp, claim = true): Hit | null {
    const flags = `${re.flags.includes('g') ? re.flags : `${re.flags}g`}${re.flags.includes('d') ? '' : 'd'}`;
    const g = new RegExp(re.source, flags);
    const view = this.view();
    for (let m = g.exec(view); m; m = g.exec(view)) {
      if (m[0].trim() === '') {
        if (m[0].length === 0) g.lastIndex++;
        continue;
      }
      const lead = m[0].length - m[0].trimStart().length;
      const { from, to } = this.tokensAt(m.index + lead, m.index + m[0].trimEnd().length);
      if (from < 0) continue;
      if (claim) this.claim(from, to);
      return { from, to, match: m };
    }
    return null;
  }

  /** Every non-overlapping match of a pattern, claimed. */
  findAll(re: RegExp): Hit[] {
    const hits: Hit[] = [];
    for (let h = this.find(re); h; h = this.find(re)) hits.push(h);
    return hits;
  }

  claim(from: number, to: number): void {
    for (let i = from; i < to; i++) this.used[i] = true;
    // A connector just before a claimed phrase belongs to it: "call mom *on* friday", "due *by* monday".
    // ... but not to "every": "check in every evening" keeps its "in".
    if (/^(?:every|each)$/.test(this.tokens[from]?.norm ?? '')) return;
    let i = from - 1;
    while (i >= 0 && !this.used[i] && CONNECTORS.has(this.tokens[i]!.norm) && !phrasal(this.tokens, i))
      this.used[i--] = true;
  }

  /** The typed text of tokens [from, to), spaces between words normalised. */
  raw(from: number, to: number): string {
    return this.tokens
      .slice(from, to)
      .map((t) => (t.quoted !== undefined ? t.quoted : t.raw))
      .join(' ');
  }

  /** The tokens a regex group covers (the pattern needs the `d` flag). */
  group(hit: Hit, n: number): { from: number; to: number } | null {
    const at = hit.match.indices?.[n];
    if (!at || at[0] === at[1]) return null;
    const r = this.tokensAt(at[0], at[1]);
    return r.from < 0 ? null : r;
  }

  /** The character offset in the view where token i starts. */
  offsetOf(i: number): number {
    return this.starts[i] ?? this.norm.length;
  }

  /** Quoted runs not yet claimed. */
  quoted(): { index: number; text: string }[] {
    return this.tokens.flatMap((t, index) =>
      t.quoted !== undefined && !this.used[index] ? [{ index, text: t.quoted }] : [],
    );
  }

  /** The typed words no step claimed, in order (quoted runs excluded). */
  rest(): { index: number; token: Token }[] {
    return this.tokens.flatMap((token, index) =>
      !this.used[index] && token.quoted === undefined ? [{ index, token }] : [],
    );
  }
}

/** Words that only join a phrase to the sentence; they go with the phrase they introduce. */
const CONNECTORS = new Set([
  'on',
  'at',
  'by',
  'due',
  'for',
  'in',
  'from',
  'starting',
  'until',
  'till',
  'and',
  'before',
  'after',
  'around',
  'to',
  ',',
  '-',
]);

/**
 * Words the title should not start or end with once the grammar has taken what it understood: the
 * connectors (but "before" and "after", which a title can end on) and polite or shorthand filler.
 */
const EDGE_FILLER = new Set([
  ...[...CONNECTORS].filter((w) => w !== 'before' && w !== 'after'),
  'with',
  'of',
  'every',
  'please',
  'pls',
  'plz',
  'thanks',
  'thx',
  'also',
  'then',
  'that',
  'is',
  'be',
  'set',
  'as',
  'priority',
  'urgent',
  'p',
  '–',
  '—',
  ':',
  '.',
  'asap',
]);

/** A phrasal verb keeps its particle: "check in", "log on", "hand in" are not "check" plus a connector. */
function phrasal(tokens: Token[], i: number): boolean {
  return (
    /^(?:in|on)$/.test(tokens[i]!.norm) &&
    /^(?:check|log|sign|plug|drop|fill|hand|turn|switch|clock|weigh|try|put|move|hold|carry)$/.test(
      tokens[i - 1]?.norm ?? '',
    )
  );
}

/** Joins the unclaimed words into a title, trimming filler words and punctuation off its edges. */
export function titleFrom(scan: Scan, withQuoted = false): string | null {
  const words = withQuoted ? scan.tokens.filter((_, i) => !scan.used[i]) : scan.rest().map((r) => r.token);
  const filler = (t: Token) =>
    t.quoted === undefined && (EDGE_FILLER.has(t.norm) || (t.norm === '' && /^[\p{P}\s]*$/u.test(t.raw)));
  // "set" left at the end is a command's remnant ("..., set high priority"); first, it is a verb of the title.
  while (words.length && filler(words[0]!) && words[0]!.norm !== 'set') words.shift();
  while (words.length && filler(words[words.length - 1]!) && !phrasal(words, words.length - 1)) words.pop();
  const title = words
    .map((t) => t.raw)
    .join(' ')
    .replace(/^[\s,.;:!?\-–—]+/, '')
    .replace(/[\s,;:\-–—]+$/, '')
    .replace(/(?<![.!?])[.]$/, '')
    .replace(/\s+([,;:])/g, '$1')
    .trim();
  return /[\p{L}\p{N}\p{Extended_Pictographic}]/u.test(title) ? title : null;
}
