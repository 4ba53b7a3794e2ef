/**
 * Dates and times in the owner's zone. chrono-node reads the phrases; luxon does the calendar arithmetic,
 * because chrono computes with the machine's zone and a JavaScript Date, which is wrong across the
 * owner's DST changes. So chrono is only asked for wall-clock components (year, month, day, hour, minute)
 * relative to the owner's wall-clock now, and anything that depends on real elapsed time ("in 3 hours")
 * is computed here with luxon in the owner's zone.
 */
import * as chrono from 'chrono-node';
import { DateTime } from 'luxon';
import type { ClarifyReason, Due, ParseContext } from './contract.ts';
import type { Scan } from './text.ts';

/** The parser's now, as the owner reads a calendar (the one source of instants is core's `Clock`). */
export interface LocalClock {
  /** Now in the owner's zone. */
  now: DateTime;
  tz: string;
  /** Day-first ("1/12" is 1 December) unless the zone is one where month-first is the habit. */
  dayFirst: boolean;
  /** Weeks start on Sunday where month-first dates are the habit too (the US), else on Monday (ISO). */
  sundayFirst: boolean;
}

// Zones where people write month/day: the United States and its territories, English Canada, the Philippines.
const MONTH_FIRST_ZONES =
  /^(US\/|America\/(New_York|Chicago|Denver|Los_Angeles|Phoenix|Anchorage|Juneau|Sitka|Nome|Adak|Boise|Detroit|Indiana\/|Kentucky\/|North_Dakota\/|Menominee|Metlakatla|Yakutat|Puerto_Rico|Toronto|Vancouver|Edmonton|Winnipeg|Halifax|St_Johns|Regina)|Pacific\/(Honolulu|Guam|Saipan)|Asia\/Manila)/;

export function makeLocalClock(ctx: ParseContext): LocalClock {
  const now = DateTime.fromISO(ctx.now, { zone: ctx.tz });
  const monthFirst = MONTH_FIRST_ZONES.test(ctx.tz);
  return { now, tz: ctx.tz, dayFirst: !monthFirst, sundayFirst: monthFirst };
}

/** The first day of the week `d` falls in, by the zone's habit. */
export function weekStart(clock: LocalClock, d: DateTime = clock.now): DateTime {
  const start = d.startOf('day');
  return clock.sundayFirst ? start.minus({ days: start.weekday % 7 }) : start.startOf('week');
}

/** "next week" as a due date: the Monday of next week. */
export function nextWeekMonday(clock: LocalClock): DateTime {
  return weekStart(clock).plus({ weeks: 1, days: clock.sundayFirst ? 1 : 0 });
}

export const isoDay = (d: DateTime): string => d.toFormat('yyyy-MM-dd');
export const wall = (d: DateTime): string => d.toFormat("yyyy-MM-dd'T'HH:mm");

/** A calendar day in the owner's zone, as a luxon DateTime at its start. */
export function day(clock: LocalClock, iso: string): DateTime {
  return DateTime.fromISO(iso, { zone: clock.tz }).startOf('day');
}

/**
 * The wall-clock time that really happens for a local date and time: a time skipped by a DST change
 * (02:30 on a spring-forward night) moves forward by the gap, as RFC 5545 does for recurrences.
 */
export function realDue(clock: LocalClock, date: string, time?: string): Due {
  if (!time) return { date };
  const [h, m] = time.split(':').map(Number);
  const dt = DateTime.fromISO(date, { zone: clock.tz }).set({ hour: h, minute: m });
  return { date: isoDay(dt), time: dt.toFormat('HH:mm') };
}

/** A due found in the words; `dateSaid` is false when only a time was said ("at 9"). */
export type When = { due: Due; dateSaid: boolean; saidTime?: string } | { clarify: ClarifyReason };

/** A part of the day a repeat or a date names: it says which half of the day a bare hour is in. */
export type DayPart = 'morning' | 'afternoon' | 'evening' | 'night';

/**
 * A bare hour (no am/pm) said with a part of the day: "evening at 9" is 21:00, "afternoon 3" 15:00,
 * "night at 11" 23:00; "night at 2" stays 02:00 (people do not mean 14:00 by night), morning as said.
 */
export function inDayPart(hour: number, part: DayPart | undefined): number {
  if (!part || hour >= 12 || part === 'morning') return hour;
  if (part === 'night' && hour < 6) return hour;
  return hour + 12;
}

export function dayPartOf(text: string): DayPart | undefined {
  const m = /\b(morning|afternoon|evening|tonight|night)\b/.exec(text);
  if (!m) return undefined;
  return m[1] === 'tonight' ? 'evening' : (m[1] as DayPart);
}

const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
export const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const MONTH_RE =
  '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
/** 1-based month of a month name or its abbreviation. */
export function monthNumber(word: string): number {
  return MONTHS.findIndex((m) => m.startsWith(word.slice(0, 3))) + 1;
}

/** Parts of the day people name without a clock time, and the hour we take them to mean. */
const DAY_PARTS: [RegExp, number][] = [
  [/\bmorning\b/, 9],
  [/\bafternoon\b/, 15],
  [/\b(evening|tonight|night)\b/, 19],
  [/\b(noon|midday|lunch(time)?)\b/, 12],
  [/\bmidnight\b/, 0],
];

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  twenty: 20,
  thirty: 30,
  forty: 40,
  'forty-five': 45,
  fortyfive: 45,
  sixty: 60,
  ninety: 90,
  couple: 2,
  few: 3,
};
export const NUMBER = `(\\d+(?:\\.\\d+)?|${Object.keys(NUMBER_WORDS).join('|')}|a couple of|half an?)`;
export function toNumber(word: string): number {
  if (/^half/.test(word)) return 0.5;
  if (word.startsWith('a couple')) return 2;
  return NUMBER_WORDS[word] ?? Number(word);
}

/** A length of time, kept in the unit it was said in (so "a day" stays P1D, not PT24H). */
export interface Span {
  minutes?: number;
  days?: number;
  weeks?: number;
}

export const UNIT = '(m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)';
export function toSpan(n: number, unit: string): Span {
  if (/^(m|min)/.test(unit)) return { minutes: Math.round(n) };
  if (/^h/.test(unit)) return { minutes: Math.round(n * 60) };
  if (/^d/.test(unit)) return Number.isInteger(n) ? { days: n } : { minutes: Math.round(n * 1440) };
  return Number.isInteger(n) ? { weeks: n } : { days: Math.round(n * 7) };
}

/** ISO 8601 for a span: PT1H30M, P1D, P2W. */
export function isoSpan(span: Span, negative = false): string {
  const sign = negative ? '-' : '';
  if (span.weeks) return `${sign}P${span.weeks}W`;
  if (span.days) return `${sign}P${span.days}D`;
  const m = span.minutes ?? 0;
  if (m === 0) return 'PT0S';
  const h = Math.floor(m / 60);
  return `${sign}PT${h ? `${h}H` : ''}${m % 60 ? `${m % 60}M` : ''}`;
}

/**
 * Finds a length of time: "10 min", "an hour", "1h30", "an hour and a half", "90 minutes", "2 days".
 * Claims it and returns it; `pattern` wraps the phrase (e.g. to require "before" after it).
 */
export function findSpan(scan: Scan, before = '', after = ''): Span | null {
  const compact = scan.find(
    new RegExp(`${before}\\b(\\d+)h(?:ours?)?\\s?(\\d+)m?(?:in(?:utes?)?)?\\b${after}`),
  );
  if (compact) return { minutes: Number(compact.match[1]) * 60 + Number(compact.match[2]) };
  const glued = scan.find(new RegExp(`${before}\\b(\\d+(?:\\.\\d+)?)(m|min|mins|h|hr|hrs|d|w)\\b${after}`));
  if (glued) return toSpan(Number(glued.match[1]), glued.match[2]!);
  const hit = scan.find(new RegExp(`${before}\\b${NUMBER}\\s+${UNIT}\\b(\\s+and\\s+a\\s+half)?${after}`));
  if (!hit) {
    const half = scan.find(new RegExp(`${before}\\bhalf\\s+an?\\s+hour\\b${after}`));
    return half ? { minutes: 30 } : null;
  }
  const n = toNumber(hit.match[1]!) + (hit.match[3] ? 0.5 : 0);
  return toSpan(n, hit.match[2]!);
}

export function addSpan(t: DateTime, span: Span): DateTime {
  return t.plus({ minutes: span.minutes ?? 0, days: span.days ?? 0, weeks: span.weeks ?? 0 });
}

// chrono with one addition: "the 15th", "on the 1st" (a day of the month, the next one to come).
const parser = chrono.casual.clone();
parser.parsers.push({
  pattern: () =>
    /\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b(?!\s+(?:of\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|every|each))/i,
  extract: (context, match) => {
    const dayOfMonth = Number(match[1]);
    if (dayOfMonth < 1 || dayOfMonth > 31) return null;
    const ref = context.reference.getDateWithAdjustedTimezone();
    let cursor = DateTime.fromObject({ year: ref.getFullYear(), month: ref.getMonth() + 1, day: 1 });
    const today = ref.getDate();
    // The next month (this one included, if the day is still ahead) that has that day.
    for (let i = 0; i < 14; i++, cursor = cursor.plus({ months: 1 })) {
      if (dayOfMonth > (cursor.daysInMonth ?? 31)) continue;
      if (i === 0 && dayOfMonth < today) continue;
      return context.createParsingComponents({ year: cursor.year, month: cursor.month, day: dayOfMonth });
    }
    return null;
  },
});

function chronoReference(clock: LocalClock) {
  return { instant: clock.now.toJSDate(), timezone: clock.now.offset };
}

/**
 * The first date or time phrase in the unclaimed words, resolved to a due; claims it. `anchored`: the
 * day is known from elsewhere (a series), so a bare "at 9" is 09:00, not the next 9 o'clock to come.
 */
export function findWhen(
  scan: Scan,
  clock: LocalClock,
  opts: { anchored?: boolean; part?: DayPart } = {},
): When | null {
  const view = scan.view();
  const own = ownDates(scan, clock);
  if (own) return own;
  const results = parser.parse(view, chronoReference(clock), { forwardDate: true });
  // A part of the day alone ("night" in "night feed ... at 2:30am") yields to a real date or time.
  const vague = (r: chrono.ParsedResult) =>
    !(['day', 'weekday', 'hour', 'month'] as const).some((c) => r.start.isCertain(c));
  results.sort((a, b) => Number(vague(a)) - Number(vague(b)));
  for (const r of results) {
    const s = r.start;
    // A length of time is not a date ("call it a day"), nor is a time before something ("2 days before").
    if (
      /^(?:for\s+)?(?:a|an|one|\d+)\s+(?:day|week|month|year|hour|minute)s?$/.test(r.text) ||
      /\b(?:before|ago|earlier|prior)$/.test(r.text)
    )
      continue;
    // A month alone ("may", "in march") or a year alone is too vague for a due date, and is more often
    // a word of the title ("may I ...").
    const known =
      (['day', 'weekday', 'hour'] as const).some((c) => s.isCertain(c)) ||
      r.tags().has('result/relativeDate');
    const partOfDay = DAY_PARTS.find(([re]) => re.test(r.text));
    if (!known && !partOfDay) continue;
    const range = scan.tokensAt(r.index, r.index + r.text.length);
    const from = range.from;
    let to = range.to;
    if (from < 0) continue;
    if (s.isCertain('month') && !s.isCertain('day') && new RegExp(`^${MONTH_RE}\\b`).test(r.text)) {
      // A month with a time but no day ("call jan every day at 8pm") is a name: read on without it.
      scan.used[from] = true;
      const rest = findWhen(scan, clock, opts);
      scan.used[from] = false;
      return rest;
    }
    let bare: ReturnType<typeof bareHour>;

    const ambiguous = nextWeekdayAmbiguity(r.text, clock);
    if (ambiguous) {
      scan.claim(from, to);
      return { clarify: 'ambiguous-date' };
    }
    let date: DateTime = DateTime.fromObject(
      { year: s.get('year')!, month: s.get('month')!, day: s.get('day')! },
      { zone: clock.tz },
    );
    // "next week" means the Monday of next week, "next month" its first day, not a week or month from now.
    if (/^next week$/.test(r.text)) date = nextWeekMonday(clock);
    else if (/^next month$/.test(r.text)) date = clock.now.startOf('month').plus({ months: 1 });
    else if (/^(in a |next )?year$/.test(r.text)) continue;

    let time: string | undefined;
    const dateSaid =
      (['day', 'weekday', 'month'] as const).some((c) => s.isCertain(c)) ||
      r.tags().has('result/relativeDate') ||
      /\b(today|tomorrow|tonight)\b/.test(r.text);
    const explicitDate = opts.anchored || dateSaid;
    if (s.isCertain('hour')) {
      let hour = s.get('hour')!;
      const minute = s.get('minute') ?? 0;
      if (!s.isCertain('meridiem') && hour >= 1 && hour <= 12 && !partOfDay && opts.part) {
        // "every evening at 9": the repeat's part of the day places the hour.
        hour = inDayPart(hour, opts.part);
      } else if (!s.isCertain('meridiem') && hour >= 1 && hour <= 12 && !partOfDay) {
        // "at 5": people mean 5 pm; "at 9" means the next 9 o'clock to come, morning or evening.
        if (hour <= 6) hour += 12;
        else if (!explicitDate) {
          const am = clock.now.set({ hour, minute, second: 0, millisecond: 0 });
          if (am <= clock.now && hour < 12 && am.plus({ hours: 12 }) > clock.now) hour += 12;
        }
        if (!explicitDate) {
          date = clock.now.startOf('day');
          if (clock.now.set({ hour, minute, second: 0, millisecond: 0 }) <= clock.now)
            date = date.plus({ days: 1 });
        }
      } else if (!s.isCertain('meridiem') && partOfDay) {
        hour = inDayPart(hour, dayPartOf(r.text));
      }
      time = `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
    } else if ((bare = bareHour(scan, to))) {
      // "tmrw afternoon 3", "wed 6": chrono leaves the hour after a date; it is the time, not the title.
      let hour = bare.hour;
      const part = dayPartOf(r.text) ?? opts.part;
      if (part) hour = inDayPart(hour, part);
      else if (hour >= 1 && hour <= 6) hour += 12;
      to = bare.to;
      time = `${String(hour).padStart(2, '0')}:${String(bare.minute).padStart(2, '0')}`;
      if (!explicitDate) {
        date = clock.now.startOf('day');
        if (clock.now.set({ hour, minute: bare.minute }) <= clock.now) date = date.plus({ days: 1 });
      }
    } else if (partOfDay) {
      time = `${String(partOfDay[1]).padStart(2, '0')}:00`;
      if (!explicitDate) {
        date = clock.now.startOf('day');
        if (clock.now.set({ hour: partOfDay[1], minute: 0 }) <= clock.now) date = date.plus({ days: 1 });
      }
    }
    if (!date.isValid) return { clarify: 'invalid-date' };
    scan.claim(from, to);
    // The due is when it really happens; a series keeps the time as said (its engine shifts each day).
    return {
      due: realDue(clock, isoDay(date), time),
      dateSaid,
      ...(time && { saidTime: time }),
    };
  }
  return null;
}

/**
 * A bare hour ("3", "6:30") as the word right after a date phrase that ends token `at`, when it ends the
 * message or is followed only by a tag, a priority or punctuation: "tmrw 3", "fri evening 8 #home".
 * Anything else after it ("tmrw 3 pizzas") makes it a word of the title.
 */
function bareHour(scan: Scan, at: number): { hour: number; minute: number; to: number } | null {
  const t = scan.tokens[at];
  if (!t || scan.used[at] || t.quoted !== undefined) return null;
  const m = /^(\d{1,2})(?:[:.](\d{2}))?$/.exec(t.norm);
  if (!m) return null;
  const hour = Number(m[1]);
  const minute = Number(m[2] ?? 0);
  if (hour < 1 || hour > 12 || minute > 59) return null;
  const next = scan.tokens[at + 1];
  if (next && !scan.used[at + 1] && !/^(?:[#!]|p[1-4]$|$)/.test(next.norm) && /[\p{L}\p{N}]/u.test(next.norm))
    return null;
  return { hour, minute, to: at + 1 };
}

/**
 * "next friday" said on a Tuesday could be this week's Friday or next week's; said on a Saturday, the
 * coming Friday is already in next week, so it is clear.
 */
export function nextWeekdayAmbiguity(text: string, clock: LocalClock): boolean {
  const m = /^next\s+(\w+)/.exec(text);
  if (!m) return false;
  const wd = WEEKDAYS.findIndex((w) => w.startsWith(m[1]!.slice(0, 3))) + 1;
  if (wd === 0) return false;
  // Ambiguous when the coming one falls in the current week (weeks start by the zone's habit).
  const coming = nextWeekday(clock.now.startOf('day').plus({ days: 1 }), wd);
  return coming < weekStart(clock).plus({ weeks: 1 });
}

/**
 * Date phrases chrono gets wrong or does not know: numeric dates in the zone's order, relative times
 * that must cross DST correctly, "end of the week/year", and impossible dates ("feb 30") to ask about.
 */
function ownDates(scan: Scan, clock: LocalClock): When | null {
  const done = (due: Due, dateSaid = true): When => ({ due, dateSaid });

  const later = scan.find(
    new RegExp(`\\bin\\s+${NUMBER}\\s+(m|mins?|minutes?|h|hrs?|hours?)\\b(\\s+and\\s+a\\s+half)?`),
  );
  if (later) {
    const n = toNumber(later.match[1]!) + (later.match[3] ? 0.5 : 0);
    const t = addSpan(clock.now, toSpan(n, later.match[2]!));
    return done({ date: isoDay(t), time: t.toFormat('HH:mm') }, false);
  }
  const halfHour = scan.find(/\bin\s+half\s+an\s+hour\b/);
  if (halfHour) {
    const t = clock.now.plus({ minutes: 30 });
    return done({ date: isoDay(t), time: t.toFormat('HH:mm') }, false);
  }

  const slash = slashDate(scan.view(), clock);
  if (slash) {
    scan.claim(...tokenRange(scan, slash.index, slash.length));
    if (!slash.date) return { clarify: 'invalid-date' };
    // A time said with it ("1/12 at 3pm").
    const time = timeAlone(scan);
    return done(realDue(clock, isoDay(slash.date), time));
  }

  const impossible = new RegExp(
    `\\b${MONTH_RE}\\s+(\\d{1,2})(?:st|nd|rd|th)?\\b|\\b(\\d{1,2})(?:st|nd|rd|th)?\\s+(?:of\\s+)?${MONTH_RE}\\b`,
  ).exec(scan.view());
  if (impossible) {
    const month = monthNumber(impossible[1] ?? impossible[4]!);
    const d = Number(impossible[2] ?? impossible[3]);
    if (d > 31 || d < 1 || !DateTime.fromObject({ year: 2024, month, day: d }).isValid) {
      scan.find(new RegExp(impossible[0]));
      return { clarify: 'invalid-date' };
    }
    if (month === 2 && d === 29) {
      // 29 February of the next February to come, which may not have one (then we ask).
      const year = clock.now.month > 2 ? clock.now.year + 1 : clock.now.year;
      const date = DateTime.fromObject({ year, month, day: d }, { zone: clock.tz });
      scan.find(new RegExp(`(?:\\bon\\s+)?${impossible[0]}`));
      if (!date.isValid) return { clarify: 'invalid-date' };
      return done(realDue(clock, isoDay(date), timeAlone(scan)));
    }
  }

  const holiday = /\b(?:on|by)\s+(?=\S)/g;
  for (let m = holiday.exec(scan.view()); m; m = holiday.exec(scan.view())) {
    const at = holidayAt(scan.view().slice(m.index + m[0].length), clock);
    if (!at) continue;
    scan.claim(...tokenRange(scan, m.index, m[0].length + at.length));
    return done(realDue(clock, isoDay(at.date), timeAlone(scan)));
  }

  const endOf = scan.find(/\b(?:by\s+|at\s+)?(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?(week|month|year)\b/);
  if (endOf) {
    const unit = endOf.match[1] as 'week' | 'month' | 'year';
    // The end of the working week is Friday: nobody means "by end of week" as Sunday night.
    const date = unit === 'week' ? nextWeekday(weekStart(clock), 5) : clock.now.endOf(unit);
    const time = timeAlone(scan);
    return done(realDue(clock, isoDay(date), time));
  }
  return null;
}

/** A time of day said on its own next to a date we read ourselves. */
function timeAlone(scan: Scan): string | undefined {
  const t = scan.find(
    /\b(?:at\s+)?(\d{1,2})(?::(\d{2}))?\s*(am|pm)\b|\bat\s+(\d{1,2})(?::(\d{2}))?\b|\b(\d{1,2}):(\d{2})\b/,
  );
  if (!t) return undefined;
  const m = t.match;
  let hour = Number(m[1] ?? m[4] ?? m[6]);
  const minute = Number(m[2] ?? m[5] ?? m[7] ?? 0);
  if (m[3] === 'pm' && hour < 12) hour += 12;
  if (m[3] === 'am' && hour === 12) hour = 0;
  if (!m[3] && m[4] && hour >= 1 && hour <= 6) hour += 12;
  if (hour > 23 || minute > 59) return undefined;
  return `${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}`;
}

/** The next date (today included) that falls on an ISO weekday (1 = Monday). */
export function nextWeekday(from: DateTime, isoWeekday: number): DateTime {
  return from.plus({ days: (isoWeekday - from.weekday + 7) % 7 });
}

const SLASH = /\b(\d{1,2})\/(\d{1,2})(?:\/(\d{2}|\d{4}))?\b|\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b/;

/**
 * A numeric date, day or month first by the zone's habit; the next one to come when the year is left
 * out. `date` is null for an impossible date ("31/2").
 */
export function slashDate(
  text: string,
  clock: LocalClock,
): { date: DateTime | null; index: number; length: number } | null {
  const m = SLASH.exec(text);
  if (!m) return null;
  const a = Number(m[1] ?? m[4]);
  const b = Number(m[2] ?? m[5]);
  const y = m[3] ?? m[6];
  // The zone's habit decides, unless only the other order is a date ("13/1" anywhere is 13 January).
  let [d, mo] = clock.dayFirst || m[4] ? [a, b] : [b, a];
  if (mo > 12 && d <= 12 && !m[4]) [d, mo] = [mo, d];
  let date = DateTime.fromObject(
    { year: y ? Number(y.length === 2 ? `20${y}` : y) : clock.now.year, month: mo, day: d },
    { zone: clock.tz },
  );
  if (date.isValid && !y && date < clock.now.startOf('day')) date = date.plus({ years: 1 });
  return { date: date.isValid ? date : null, index: m.index, length: m[0].length };
}

function tokenRange(scan: Scan, index: number, length: number): [number, number] {
  const { from, to } = scan.tokensAt(index, index + length);
  return [from, to];
}

/** Easter Sunday of a year (the Gregorian computus, "Anonymous" algorithm). */
export function easter(year: number): { month: number; day: number } {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  return { month, day: ((h + l - 7 * m + 114) % 31) + 1 };
}

/**
 * The few holidays people bound a series with ("until easter", "till xmas"), as the day they fall on in
 * a given year. Fixed dates, Easter, and US Thanksgiving (the fourth Thursday of November).
 */
const HOLIDAYS: [RegExp, (year: number) => { month: number; day: number }][] = [
  [/^christmas\s+eve\b/, () => ({ month: 12, day: 24 })],
  [/^(?:christmas|christmas\s+day)\b/, () => ({ month: 12, day: 25 })],
  [/^(?:new\s+year(?:s|_s)?\s+eve|nye)\b/, () => ({ month: 12, day: 31 })],
  [/^new\s+year(?:s|_s)?(?:\s+day)?\b/, () => ({ month: 1, day: 1 })],
  [/^easter(?:\s+sunday)?\b/, easter],
  [/^halloween\b/, () => ({ month: 10, day: 31 })],
  [/^valentine(?:s|_s)?(?:\s+day)?\b/, () => ({ month: 2, day: 14 })],
  [
    /^thanksgiving(?:\s+day)?\b/,
    (year) => ({ month: 11, day: nextWeekday(DateTime.fromObject({ year, month: 11, day: 1 }), 4).day + 21 }),
  ],
];

/**
 * A holiday named at the start of `text`: its next day to come (today included, unless `afterToday`: a
 * series "until halloween" said on Halloween runs to next year's), and the characters it took.
 */
export function holidayAt(
  text: string,
  clock: LocalClock,
  afterToday = false,
): { date: DateTime; length: number } | null {
  for (const [re, on] of HOLIDAYS) {
    const m = re.exec(text);
    if (!m) continue;
    const today = clock.now.startOf('day');
    for (const year of [today.year, today.year + 1]) {
      const date = DateTime.fromObject({ year, ...on(year) }, { zone: clock.tz });
      if (afterToday ? date > today : date >= today) return { date, length: m[0].length };
    }
  }
  return null;
}

/**
 * A date phrase at the start of `text` (an "until", "starting" or "before" part): the day and how many
 * characters of `text` it took, or null.
 */
export function dateAt(
  text: string,
  clock: LocalClock,
  afterToday = false,
): { date: DateTime; length: number } | null {
  const t = text.replace(/^\s+/, '');
  const lead = text.length - t.length;
  const holiday = holidayAt(t, clock, afterToday);
  if (holiday) return { date: holiday.date, length: lead + holiday.length };
  const slash = slashDate(t, clock);
  if (slash && slash.index === 0)
    return slash.date ? { date: slash.date, length: lead + slash.length } : null;
  const r = parser.parse(t, chronoReference(clock), { forwardDate: true })[0];
  if (!r || r.index > 0) return null;
  if (
    !(['day', 'weekday'] as const).some((c) => r.start.isCertain(c)) &&
    !r.tags().has('result/relativeDate')
  )
    return null;
  let d: DateTime = DateTime.fromObject(
    { year: r.start.get('year')!, month: r.start.get('month')!, day: r.start.get('day')! },
    { zone: clock.tz },
  );
  if (/^next week$/.test(r.text)) d = nextWeekMonday(clock);
  if (/^next month$/.test(r.text)) d = clock.now.startOf('month').plus({ months: 1 });
  return d.isValid ? { date: d.startOf('day'), length: lead + r.text.length } : null;
}
