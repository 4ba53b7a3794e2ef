/**
 * Repeat phrases to RFC 5545 rules: a small grammar of our own, because chrono reads single dates only.
 * The next occurrences come from the product's recurrence engine (@todo/core), never from here, so what
 * the chat says back is what the workflows will do.
 */
import { occurrences as expand } from '@todo/core';
import { DateTime } from 'luxon';
import type { ClarifyReason } from './contract.ts';
import {
  NUMBER,
  dateAt,
  day,
  isoDay,
  monthNumber,
  toNumber,
  weekStart,
  type LocalClock,
  type DayPart,
} from './dates.ts';
import type { Scan } from './text.ts';

export type Freq = 'HOURLY' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

/** What a repeat phrase said, before it becomes a rule. */
export interface Repeat {
  freq: Freq;
  interval: number;
  byDay?: string[];
  byMonthDay?: number[];
  byMonth?: number[];
  bySetPos?: number;
  mode: 'schedule' | 'after-completion';
  until?: string;
  /** "starting monday": the series' first day. */
  start?: string;
  /** "except dec 25": single days left out. */
  exdate?: string[];
  /** "every morning": a time of day that came with the phrase. */
  time?: string;
  /** ... and the part of the day it names, which places a bare hour said with it ("every evening at 9"). */
  part?: DayPart;
  /** "10 times": how many occurrences in all (COUNT). */
  count?: number;
}

const CODES = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const WEEKDAY_CODES = CODES.slice(0, 5);
const DAY = String.raw`(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)s?`;
const DAYLIST = String.raw`${DAY}(?:\s+(?:and\s+|&\s+|or\s+)?${DAY})*`;
const ORD_WORDS: Record<string, number> = {
  first: 1,
  '1st': 1,
  second: 2,
  '2nd': 2,
  third: 3,
  '3rd': 3,
  fourth: 4,
  '4th': 4,
  fifth: 5,
  '5th': 5,
  last: -1,
  final: -1,
};
const ORD = String.raw`(?:first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|final)`;
const MONTHDAY = String.raw`(?:[12]?\d|3[01])(?:st|nd|rd|th)`;
const MONTHDAYLIST = String.raw`${MONTHDAY}(?:\s+(?:and\s+|&\s+)?${MONTHDAY})*`;
const MONTH = String.raw`(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)`;
const EVERY = String.raw`(?:every|each)`;
/** "other" = 2; "3" or "3rd" = 3. */
const INTERVAL = String.raw`(?:(other|\d+|two|three|four|five|six)(?:st|nd|rd|th)?\s+)?`;

const num = (s: string | undefined): number =>
  s === undefined
    ? 1
    : s === 'other'
      ? 2
      : (({ two: 2, three: 3, four: 4, five: 5, six: 6 } as Record<string, number>)[s] ?? Number(s));

/** Weekday codes in a list of day names, Monday first, without repeats. */
export function dayCodes(list: string): string[] {
  const found = new Set<string>();
  for (const m of list.matchAll(new RegExp(DAY, 'g'))) {
    const w = m[0].slice(0, 2);
    found.add({ mo: 'MO', tu: 'TU', we: 'WE', th: 'TH', fr: 'FR', sa: 'SA', su: 'SU' }[w]!);
  }
  return CODES.filter((c) => found.has(c));
}

const monthDays = (list: string): number[] =>
  [...new Set([...list.matchAll(/(\d+)(?:st|nd|rd|th)/g)].map((m) => Number(m[1])))].sort((a, b) => a - b);

/** "the 2nd tuesday", "the last weekday", "the last day", "the 15th": a day in each month. */
function monthly(ordWord: string, what: string | undefined): Partial<Repeat> {
  const n = ORD_WORDS[ordWord] ?? Number.parseInt(ordWord, 10);
  if (what && new RegExp(`^${DAY}$`).test(what)) return { byDay: dayCodes(what).map((c) => `${n}${c}`) };
  if (what && /^(weekday|business day|working day|workday)$/.test(what))
    return { byDay: WEEKDAY_CODES, bySetPos: n };
  return { byMonthDay: [n] };
}

type Found = (Partial<Repeat> & { freq: Freq }) | { clarify: ClarifyReason };

/** The core of a repeat phrase: how often, on which days. Claims it. */
function findCore(scan: Scan): Found | null {
  const f = (re: string) => scan.find(new RegExp(re));
  let h;

  if (f(String.raw`\b${EVERY}\s+(?:\d+\s+)?(?:minutes?|mins?)\b|\b(?:minutely|every\s+minute)\b`)) {
    return { clarify: 'too-frequent' };
  }
  // "twice a day": one rule has one time of day.
  if (
    f(
      String.raw`\b(?:twice|thrice|\d+\s+times|two\s+times|three\s+times|several\s+times)\s+(?:daily|(?:a|per|each|every)\s+day)\b`,
    )
  ) {
    return { clarify: 'several-times' };
  }
  if (
    f(
      String.raw`\b(?:twice|thrice|\d+\s+times|two\s+times|three\s+times|several\s+times)\s+(?:a|per|each|every)\s+(?:week|month|year)\b`,
    )
  ) {
    return { clarify: 'ambiguous-frequency' };
  }

  // A day in each month: "the 2nd tuesday of every month", "every last friday", "monthly on the 15th".
  const pos = String.raw`(${MONTHDAYLIST}|${ORD})(?:\s+(${DAY}|weekday|business day|working day|workday|day))?`;
  const monthClause = String.raw`(?:of|in)\s+(?:the\s+|${EVERY}\s+|a\s+)?${INTERVAL}months?`;
  if (
    (h = f(
      String.raw`\b(?:on\s+)?(?:the\s+)?${pos}\s+(?:${monthClause}|${EVERY}\s+${INTERVAL}months?|monthly)\b`,
    ))
  ) {
    return { freq: 'MONTHLY', interval: num(h.match[3]), ...positions(h.match[1]!, h.match[2]) };
  }
  if ((h = f(String.raw`\b(?:${EVERY}\s+${INTERVAL}months?|monthly)\s+on\s+(?:the\s+)?${pos}\b`))) {
    return { freq: 'MONTHLY', interval: num(h.match[1]), ...positions(h.match[2]!, h.match[3]) };
  }
  if ((h = f(String.raw`\b(?:at\s+)?(?:the\s+)?end\s+of\s+${EVERY}\s+${INTERVAL}months?\b`))) {
    return { freq: 'MONTHLY', interval: num(h.match[1]), byMonthDay: [-1] };
  }
  // "every 3rd day", "every 2nd week": an interval, unless "of the month" follows.
  if (
    (h = f(
      String.raw`\b${EVERY}\s+(second|2nd|third|3rd|fourth|4th|fifth|5th|\d+(?:st|nd|rd|th))\s+(day|week|month|year)\b(?!\s+(?:of|in)\b)(?:\s+on\s+(${DAYLIST})\b)?`,
    ))
  ) {
    const n = ORD_WORDS[h.match[1]!] ?? Number.parseInt(h.match[1]!, 10);
    const freq = ({ day: 'DAILY', week: 'WEEKLY', month: 'MONTHLY', year: 'YEARLY' } as const)[
      h.match[2] as 'day' | 'week' | 'month' | 'year'
    ];
    return { freq, interval: n, ...(freq === 'WEEKLY' && h.match[3] && { byDay: dayCodes(h.match[3]) }) };
  }
  // "every 2nd tuesday": the second Tuesday of the month, or every other Tuesday? Both are common.
  if (f(String.raw`\b${EVERY}\s+(?:second|2nd|third|3rd|fourth|4th)\s+${DAY}\b`))
    return { clarify: 'ambiguous-frequency' };
  if (
    (h = f(
      String.raw`\b${EVERY}\s+(${MONTHDAYLIST}|${ORD})(?:\s+(${DAY}|weekday|business day|working day|workday|day))?(?:\s+of\s+the\s+month)?\b(?!\s+(?:weeks?|months?|years?|days?)\b)`,
    ))
  ) {
    if (!h.match[2] && /^(second|2nd|third|3rd|fourth|4th|fifth|5th)$/.test(h.match[1]!))
      return { clarify: 'ambiguous-frequency' };
    return { freq: 'MONTHLY', interval: 1, ...positions(h.match[1]!, h.match[2]) };
  }

  // A day in each year: "every march 3rd", "every year on 3 march", "annually on dec 1".
  const date = String.raw`(?:(${MONTH})\s+(\d{1,2})(?:st|nd|rd|th)?|(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?(${MONTH}))`;
  if (
    (h = f(
      String.raw`\b(?:${EVERY}\s+year\s+on|yearly\s+on|annually\s+on|${EVERY})\s+(?:the\s+)?${date}\b`,
    )) ||
    (h = f(String.raw`\b(?:on\s+)?(?:the\s+)?${date}\s+(?:${EVERY}\s+year|yearly|annually)\b`))
  ) {
    const month = monthNumber(h.match[1] ?? h.match[4]!);
    const d = Number(h.match[2] ?? h.match[3]);
    return { freq: 'YEARLY', interval: 1, byMonth: [month], byMonthDay: [d] };
  }

  // Weekdays and named days.
  if (
    f(
      String.raw`\b(?:${EVERY}\s+(?:weekday|business\s+day|working\s+day|workday|work\s+day)|(?:on\s+)?weekdays|(?:on\s+)?workdays)\b`,
    )
  ) {
    return { freq: 'WEEKLY', interval: 1, byDay: WEEKDAY_CODES };
  }
  if (f(String.raw`\b(?:${EVERY}\s+weekend|(?:on\s+)?weekends)\b`)) {
    return { freq: 'WEEKLY', interval: 1, byDay: ['SA', 'SU'] };
  }
  if (
    (h = f(
      String.raw`\b(?:${EVERY}\s+${INTERVAL}weeks?|weekly|biweekly|fortnightly|${EVERY}\s+fortnight)\s+on\s+(${DAYLIST})\b`,
    ))
  ) {
    const interval = /biweekly|fortnight/.test(h.match[0]) ? 2 : num(h.match[1]);
    return { freq: 'WEEKLY', interval, byDay: dayCodes(h.match[2]!) };
  }
  if (
    (h = f(
      String.raw`\b(?:on\s+)?(${DAYLIST})\s+(?:${EVERY}\s+${INTERVAL}weeks?|weekly|biweekly|fortnightly)\b`,
    ))
  ) {
    const interval = /biweekly|fortnight/.test(h.match[0]) ? 2 : num(h.match[2]);
    return { freq: 'WEEKLY', interval, byDay: dayCodes(h.match[1]!) };
  }
  if ((h = f(String.raw`\b${EVERY}\s+(other\s+)?(${DAYLIST})\b`))) {
    return { freq: 'WEEKLY', interval: h.match[1] ? 2 : 1, byDay: dayCodes(h.match[2]!) };
  }
  // Several days named without "every" ("gym mon wed fri") can only mean a week's pattern.
  if ((h = f(String.raw`\b(?:on\s+)?(${DAY}(?:\s+(?:and\s+|&\s+)?${DAY})+)\b`))) {
    return { freq: 'WEEKLY', interval: 1, byDay: dayCodes(h.match[1]!) };
  }
  // Plural day names repeat: "on mondays", "tuesdays and thursdays".
  const plural = String.raw`(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)s`;
  if ((h = f(String.raw`\b(?:on\s+)?(${plural}(?:\s+(?:and\s+|&\s+)?${plural})*)\b`))) {
    return { freq: 'WEEKLY', interval: 1, byDay: dayCodes(h.match[1]!) };
  }

  // Plain intervals.
  if ((h = f(String.raw`\b${EVERY}\s+(morning|afternoon|evening|night)\b|\bnightly\b`))) {
    const part = (h.match[1] ?? 'night') as DayPart;
    const time = { morning: '09:00', afternoon: '15:00', evening: '19:00', night: '19:00' }[part];
    return { freq: 'DAILY', interval: 1, time, part };
  }
  if ((h = f(String.raw`\b${EVERY}\s+${INTERVAL}(hour|day|week|month|year)s?\b`))) {
    const freq = (
      { hour: 'HOURLY', day: 'DAILY', week: 'WEEKLY', month: 'MONTHLY', year: 'YEARLY' } as const
    )[h.match[2] as 'day'];
    return { freq, interval: num(h.match[1]) };
  }
  if (
    (h = f(
      String.raw`\b(hourly|daily|everyday|weekly|biweekly|fortnightly|monthly|quarterly|yearly|annually)\b|\b${EVERY}\s+(fortnight|quarter)\b`,
    ))
  ) {
    const w = h.match[1] ?? h.match[2]!;
    if (w === 'hourly') return { freq: 'HOURLY', interval: 1 };
    if (w === 'daily' || w === 'everyday') return { freq: 'DAILY', interval: 1 };
    if (w === 'weekly') return { freq: 'WEEKLY', interval: 1 };
    if (/biweekly|fortnight/.test(w)) return { freq: 'WEEKLY', interval: 2 };
    if (w === 'monthly') return { freq: 'MONTHLY', interval: 1 };
    if (/quarter/.test(w)) return { freq: 'MONTHLY', interval: 3 };
    return { freq: 'YEARLY', interval: 1 };
  }
  return null;
}

function positions(ordOrDays: string, what: string | undefined): Partial<Repeat> {
  if (/^\d/.test(ordOrDays) && (!what || what === 'day')) return { byMonthDay: monthDays(ordOrDays) };
  return monthly(ordOrDays, what);
}

/** A date or month said after "until"/"starting"; claims the keyword and the date. */
/** `endOfMonth`: an "until", which takes in the whole of a month named alone, and a holiday still to come. */
function phraseDate(scan: Scan, keyword: string, clock: LocalClock, endOfMonth: boolean): DateTime | null {
  const m = new RegExp(String.raw`\b(?:${keyword})\s+`).exec(scan.view());
  if (!m) return null;
  const after = scan.view().slice(m.index + m[0].length);
  let date: DateTime | null = null;
  let length = 0;
  const end = /^(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(year|month)\b/.exec(after);
  // "until march", "until the end of march": the whole of the next March to come.
  const month = new RegExp(
    String.raw`^(?:(?:the\s+)?end\s+of\s+)?(${MONTH})(?:\s+(\d{4}))?\b(?!\s+\d|\s+(?:st|nd|rd|th)\b)`,
  ).exec(after);
  if (end) {
    date = clock.now.endOf(end[1] as 'year' | 'month');
    length = end[0].length;
  } else if (month) {
    let d = clock.now.set({ month: monthNumber(month[1]!), day: 1 });
    if (month[2]) d = d.set({ year: Number(month[2]) });
    else if (d.month < clock.now.month) d = d.plus({ years: 1 });
    date = endOfMonth ? d.endOf('month') : d.startOf('month');
    length = month[0].length;
  } else {
    const at = dateAt(after, clock, endOfMonth);
    if (at) {
      date = at.date;
      length = at.length;
    }
  }
  if (!date) return null;
  const { from, to } = scan.tokensAt(m.index, m.index + m[0].length + length);
  scan.claim(from, to);
  return date;
}

/**
 * Finds a repeat phrase and its modifiers ("except", "until", "starting", "after I finish it") in the
 * unclaimed words; claims them. Returns null when there is none.
 */
export function findRepeat(scan: Scan, clock: LocalClock): Repeat | { clarify: ClarifyReason } | null {
  // The exclusion is taken first, so the days it names are never read as the days of the rule
  // ("every day except weekends" is not "weekends").
  const before = [...scan.used];
  const except = scan.find(EXCEPT);
  const core = findCore(scan);
  if (!core && except) before.forEach((u, i) => (scan.used[i] = u));
  if (!core) {
    // "every" left over before something date-like is a repeat we could not read: ask, do not drop it.
    if (scan.find(new RegExp(String.raw`\b${EVERY}\s+(?:\d|other|${DAY}|${MONTH}|${ORD})`), false))
      return { clarify: 'not-understood' };
    return null;
  }
  if ('clarify' in core) return core;
  const r: Repeat = { interval: 1, mode: 'schedule', ...core };

  // A day past the 28th is missing from some months: RFC 5545 skips those months, which few people want.
  if (r.freq === 'MONTHLY' && r.byMonthDay?.some((d) => d > 28)) return { clarify: 'ambiguous-month-day' };
  if (r.byMonthDay?.some((d) => d > 31 || d === 0)) return { clarify: 'invalid-date' };
  // "every year on feb 29": the 28th or 1 March in the other years? RFC 5545 would skip them.
  if (r.freq === 'YEARLY' && r.byMonth?.includes(2) && r.byMonthDay?.includes(29))
    return { clarify: 'ambiguous-month-day' };

  if (
    scan.find(
      /\b(?:after|once|when)\s+(?:i\s+(?:have\s+|ve\s+)?)?(?:finish(?:ed|ing)?|complet(?:e|ed|ing)|do(?:ne)?|check(?:ed)?\s+(?:it\s+)?off|mark(?:ed)?\s+(?:it\s+)?(?:as\s+)?done)(?:\s+(?:it|them|this|that))?\b|\b(?:after|from)\s+(?:the\s+)?(?:last\s+)?completion\b|\b(?:after|once)\s+(?:it\s+is|its)\s+done\b/,
    )
  ) {
    r.mode = 'after-completion';
  }

  if (except) exclude(r, except.match[1] ?? except.match[2]!, clock);

  const until = phraseDate(scan, 'until|till|til|through|thru|ending|ends', clock, true);
  if (until) r.until = isoDay(until);
  const start = phraseDate(scan, 'starting(?:\\s+on|\\s+from)?|from|beginning|begins|as\\s+of', clock, false);
  if (start) r.start = isoDay(start);

  // "this week", "next week", "this month": the series runs within that period.
  const period = scan.find(/\b(?:for\s+)?(?:the\s+)?(this|next|rest\s+of\s+(?:the|this))\s+(week|month)\b/);
  if (period && !r.until) {
    const unit = period.match[2] as 'week' | 'month';
    let first = unit === 'week' ? weekStart(clock) : clock.now.startOf('month');
    if (period.match[1] === 'next') {
      first = first.plus({ [`${unit}s`]: 1 });
      if (!r.start) r.start = isoDay(first);
    }
    r.until = isoDay(first.plus({ [`${unit}s`]: 1 }).minus({ days: 1 }));
  }
  // "for the next 6 weeks", "for 10 days", "for a month": an UNTIL, counted from the first day (inclusive).
  const length = scan.find(
    new RegExp(
      String.raw`\bfor\s+(?:the\s+next\s+|the\s+coming\s+|another\s+)?${NUMBER}\s+(days?|weeks?|months?|years?)\b`,
    ),
  );
  if (length && !r.until) {
    const first = r.start ? day(clock, r.start) : clock.now.startOf('day');
    const unit = length.match[2]!.replace(/s$/, '') as 'day' | 'week' | 'month' | 'year';
    r.until = isoDay(first.plus({ [`${unit}s`]: toNumber(length.match[1]!) }).minus({ days: 1 }));
  }
  // "10 times": a COUNT (never with an UNTIL: RFC 5545 allows one or the other).
  const times = scan.find(
    /\b(\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|twelve)\s+(?:more\s+)?times\b(?!\s+(?:a|an|per|each|every)\b)/,
  );
  if (times && !r.until) {
    const n = toNumber(times.match[1]!);
    if (n > 0) r.count = n;
  }
  return r;
}

/**
 * "except weekends", "but not wed", "other than fri", "skip sundays", "excl. mondays", "except in july
 * and august", "except dec 25": what to leave out. "but" and "no" alone take days only ("every day but
 * sunday", "no weekends"), as they are too common to introduce anything else.
 */
const DATE = String.raw`(?:${MONTH}\s+\d{1,2}(?:st|nd|rd|th)?|\d{1,2}(?:st|nd|rd|th)?\s+(?:of\s+)?${MONTH})`;
const DAYSET = String.raw`(?:(?:the\s+)?weekends?|weekdays?|${DAY})`;
/** Days to leave out, the weekend among them: "wed and the weekend", "mondays, weekends". */
const DAYSETLIST = String.raw`${DAYSET}(?:\s+(?:and\s+|&\s+|or\s+)?${DAYSET})*`;
const EXCEPT = new RegExp(
  String.raw`\b(?:(?:except(?:\s+for)?|but\s+not|not\s+on|other\s+than|apart\s+from|excluding|excl|skipping|skip|save\s+for)\s+(?:on\s+|in\s+)?(${DAYSETLIST}|${MONTH}(?:\s+(?:and\s+)?${MONTH})*(?!\s+\d)|${DATE}(?:\s+(?:and\s+)?${DATE})*|(?:the\s+)?\d{1,2}(?:st|nd|rd|th))|(?:but|no)\s+(?:on\s+)?(${DAYSETLIST}))\b`,
);

/** "except fridays": left out of the rule (BYDAY/BYMONTH); "except dec 25": an EXDATE. */
function exclude(r: Repeat, what: string, clock: LocalClock): void {
  if (new RegExp(`^${DAYSETLIST}$`).test(what)) {
    const out = [
      ...(/weekend/.test(what) ? ['SA', 'SU'] : []),
      ...(/weekday/.test(what) ? WEEKDAY_CODES : []),
      ...dayCodes(what.replace(/week(?:end|day)s?/g, '')),
    ];
    const base = r.byDay?.length ? r.byDay : CODES;
    r.byDay = base.filter((c) => !out.includes(c));
    // "every week except monday" would leave the day of week unstated; a week has all seven days to pick.
    if (r.freq === 'WEEKLY' && !r.byDay.length) r.byDay = undefined;
    return;
  }
  if (new RegExp(`^${MONTH}(\\s+(and\\s+)?${MONTH})*$`).test(what)) {
    const out = what.split(/\s+(?:and\s+)?/).map(monthNumber);
    r.byMonth = Array.from({ length: 12 }, (_, i) => i + 1).filter((m) => !out.includes(m));
    return;
  }
  // "except the 28th": the next 28th to come; "except dec 24 and dec 31": each of them.
  const dates = /^(?:the\s+)?\d+\D*$/.test(what)
    ? [`the ${what.replace(/^the\s+/, '')}`]
    : what.match(new RegExp(DATE, 'g'));
  const days = (dates ?? []).flatMap((x) => {
    const d = dateAt(x, clock);
    return d ? [isoDay(d.date)] : [];
  });
  if (days.length) r.exdate = [...new Set(days)].sort();
}

/** The rule as RRULE text, parts in a fixed order (FREQ, INTERVAL, BYMONTH, BYMONTHDAY, BYDAY, BYSETPOS, UNTIL). */
export function toRRule(r: Repeat): string {
  const parts = [`FREQ=${r.freq}`];
  if (r.interval > 1) parts.push(`INTERVAL=${r.interval}`);
  if (r.byMonth?.length) parts.push(`BYMONTH=${r.byMonth.join(',')}`);
  if (r.byMonthDay?.length) parts.push(`BYMONTHDAY=${r.byMonthDay.join(',')}`);
  if (r.byDay?.length) parts.push(`BYDAY=${r.byDay.join(',')}`);
  if (r.bySetPos !== undefined) parts.push(`BYSETPOS=${r.bySetPos}`);
  // A date UNTIL takes in its whole local day in the core engine, timed series included.
  if (r.until) parts.push(`UNTIL=${r.until.replaceAll('-', '')}`);
  else if (r.count) parts.push(`COUNT=${r.count}`);
  return parts.join(';');
}

/**
 * The next `count` occurrences at or after now, from the core engine, for a series meant to start on
 * `start` (a local date, or date-time for a timed series). The engine follows RFC 5545 in counting
 * DTSTART itself as the first occurrence even when the rule would not give it, so `start` is only kept
 * when the rule gives it; the task is then created with its first occurrence as DTSTART.
 */
export function nextOccurrences(
  rrule: string,
  start: string,
  clock: LocalClock,
  exdate: string[] | undefined,
  count = 3,
): string[] {
  const timed = start.includes('T');
  const trim = (local: string) => (timed ? local.slice(0, 16) : local.slice(0, 10));
  const nowKey = timed ? clock.now.toFormat("yyyy-MM-dd'T'HH:mm") : isoDay(clock.now);
  const rule = { rrule, dtstart: start, tz: clock.tz, ...(exdate && { exdate }) };
  // Enough to pass the ones before now on the start day (an hourly series started this morning).
  const want = count + (rrule.startsWith('FREQ=HOURLY') ? 24 : 2);
  const after = expand(rule, { after: start, count: want }).map((o) => trim(o.local));
  const all = startMatches(rrule, start, clock, exdate) ? [realStart(rule), ...after] : after;
  return [...new Set(all)].filter((l) => l >= nowKey).slice(0, count);
}

/** `start` as it really happens (a wall time in a DST gap moves forward), as the engine places it. */
function realStart(rule: { rrule: string; dtstart: string; tz: string }): string {
  const first = expand(rule, { count: 1 })[0];
  return first
    ? rule.dtstart.includes('T')
      ? first.local.slice(0, 16)
      : first.local.slice(0, 10)
    : rule.dtstart;
}

/**
 * Whether the rule's days include `start`. Its INTERVAL does not matter here (the grid is anchored at
 * `start`, so start's period is always on), and a rule whose days come from DTSTART always does.
 */
function startMatches(
  rrule: string,
  start: string,
  clock: LocalClock,
  exdate: string[] | undefined,
): boolean {
  if (exdate?.includes(start)) return false;
  if (!/BY(DAY|MONTHDAY|MONTH|SETPOS)=/.test(rrule)) return true;
  const [date, time] = start.split('T') as [string, string | undefined];
  // The probe starts a day early, so the days a rule would take from DTSTART are pinned to start's.
  const d = DateTime.fromISO(date, { zone: 'utc' });
  let probe = rrule.replace(/;(INTERVAL|UNTIL)=[^;]*/g, '');
  const has = (part: string) => probe.includes(`;${part}=`);
  if (/^FREQ=WEEKLY/.test(probe) && !has('BYDAY')) probe += `;BYDAY=${CODES[d.weekday - 1]}`;
  if (/^FREQ=(MONTHLY|YEARLY)/.test(probe) && !has('BYDAY') && !has('BYMONTHDAY'))
    probe += `;BYMONTHDAY=${d.day}`;
  if (/^FREQ=YEARLY/.test(probe) && !has('BYMONTH')) probe += `;BYMONTH=${d.month}`;
  const dayBefore = isoDay(d.minus({ days: 1 }));
  const from = time ? `${dayBefore}T${time}` : dayBefore;
  const first = expand({ rrule: probe, dtstart: from, tz: clock.tz }, { after: from, count: 1 })[0];
  return !!first && first.local.slice(0, 10) === date;
}
