import { withDefaults, type RuleInput } from './expand.ts';
import { FREQUENCIES, parseRule, type ByDay, type ParsedRule, type Weekday } from './parse.ts';
import { parseLocal } from './wall.ts';

const DAY_NAMES: Record<Weekday, string> = {
  MO: 'Monday',
  TU: 'Tuesday',
  WE: 'Wednesday',
  TH: 'Thursday',
  FR: 'Friday',
  SA: 'Saturday',
  SU: 'Sunday',
};
const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];
const UNITS = {
  YEARLY: 'year',
  MONTHLY: 'month',
  WEEKLY: 'week',
  DAILY: 'day',
  HOURLY: 'hour',
  MINUTELY: 'minute',
  SECONDLY: 'second',
};
const WORDS = ['first', 'second', 'third', 'fourth', 'fifth'];
/** Beyond this many times of day we give the count and the range instead of the list. */
const MAX_TIMES = 6;

/** The series in English, e.g. "every month on the last Friday at 09:00, 10 times". */
export function describeRule(input: RuleInput): string {
  const { wall, allDay } = parseLocal(input.dtstart, 'dtstart');
  const rule = withDefaults(parseRule(input.rrule), wall);
  const monthly = rule.freq === 'MONTHLY';
  // A monthly BYSETPOS over plain weekdays reads as one phrase: "the last weekday".
  const setOfDays = Boolean(monthly && rule.bysetpos && rule.byday?.every((d) => !d.n) && !rule.bymonthday);
  const days = monthly || rule.freq === 'YEARLY' ? daysOfPeriod(rule, setOfDays) : daysKept(rule);
  let text = `${every(rule)}${days}${allDay ? '' : times(rule)}`;
  if (rule.bysetpos && !setOfDays)
    text += `, only the ${list(rule.bysetpos.map(word))} of each ${UNITS[rule.freq]}`;
  if (rule.count) text += rule.count === 1 ? ', once' : `, ${rule.count} times`;
  // 2027-03-31, 2027-03-31 17:00, 2027-03-31 17:00 UTC
  const until = rule.until
    ?.replace('T', ' ')
    .replace(/:00(Z?)$/, '$1')
    .replace('Z', ' UTC');
  if (until) text += ` until ${until}`;
  const ex = (input.exdate ?? []).map((x) => x.replace('T', ' '));
  if (ex.length) text += ex.length > 3 ? `, except on ${ex.length} dates` : `, except ${list(ex)}`;
  return text;
}

/** "every 2 weeks", or the days themselves for a weekly or daily rule: "every weekday". */
function every(rule: ParsedRule): string {
  const unit = UNITS[rule.freq];
  const head = rule.interval === 1 ? `every ${unit}` : `every ${rule.interval} ${unit}s`;
  if ((rule.freq !== 'WEEKLY' && rule.freq !== 'DAILY') || !rule.byday) return head;
  if (rule.interval === 1) return `every ${dayNames(rule.byday)}`;
  return `${head} on ${isWorkweek(rule.byday) ? 'weekdays' : dayNames(rule.byday)}`;
}

/** The days of the month or year a monthly or yearly rule takes. */
function daysOfPeriod(rule: ParsedRule, setOfDays: boolean): string {
  const { byday, bymonthday, byyearday, byweekno } = rule;
  const yearly = rule.freq === 'YEARLY';
  const months = rule.bymonth && list(rule.bymonth.map((m) => MONTHS[m - 1]!));
  // The months of a yearly rule say where its days are; in a monthly rule they only limit.
  const of = yearly && months ? ` of ${months}` : '';
  const limit = !yearly && months ? ` in ${months}` : '';
  const names = (conj: string) =>
    list(
      byday!.map((d) => DAY_NAMES[d.day]),
      conj,
    );
  let text: string;
  if (byyearday) text = `the ${monthDays(byyearday, 'and', 'day of the year')}`;
  else if (byweekno) text = `${byday ? names('and') : 'every day'} in week ${list(byweekno.map(String))}`;
  else if (setOfDays) text = `the ${list(rule.bysetpos!.map(word))} ${daySet(byday!)}`;
  else if (byday && bymonthday) text = `${names('or')} the ${monthDays(bymonthday, 'or')}${of}`;
  else if (byday?.some((d) => d.n)) {
    const ordinals = fromTheEnd(byday, (d) => d.n ?? 0).map(dayWithOrdinal);
    text = `${list(ordinals)}${of || (yearly ? ' of the year' : '')}`;
  } else if (byday) text = `every ${dayNames(byday)}${yearly && months ? ` in ${months}` : ''}`;
  else if (yearly && rule.bymonth?.length === 1 && bymonthday!.every((n) => n > 0)) {
    text = `${months} ${list(bymonthday!.map(String))}`;
  } else text = `the ${monthDays(bymonthday!)}${of || (yearly ? ' of every month' : '')}`;
  return ` on ${text}${limit}`;
}

/** The days a weekly or finer rule keeps: there the day parts only limit. */
function daysKept(rule: ParsedRule): string {
  let text = rule.bymonthday ? ` on the ${monthDays(rule.bymonthday, 'or')}` : '';
  if (rule.byyearday) text += ` on the ${monthDays(rule.byyearday, 'or', 'day of the year')}`;
  // A weekly or daily rule names its days up front (see every).
  if (rule.byday && FREQUENCIES.indexOf(rule.freq) > 3) {
    text += ` on ${list(
      rule.byday.map((d) => DAY_NAMES[d.day]),
      'or',
    )}`;
  }
  return text + (rule.bymonth ? ` in ${list(rule.bymonth.map((m) => MONTHS[m - 1]!))}` : '');
}

/** " at 09:00 and 17:30" for daily and coarser rules; the time-of-day limits of a sub-daily one. */
function times(rule: ParsedRule): string {
  const f = FREQUENCIES.indexOf(rule.freq);
  if (f > 3) {
    const parts = [
      rule.byhour && `the hour is ${list(rule.byhour.map(String), 'or')}`,
      f > 4 && rule.byminute && `the minute is ${list(rule.byminute.map(String), 'or')}`,
      f > 5 && rule.bysecond && `the second is ${list(rule.bysecond.map(String), 'or')}`,
    ].filter(Boolean);
    return parts.length ? ` when ${list(parts as string[])}` : '';
  }
  const all = rule.byhour!.flatMap((h) =>
    rule.byminute!.flatMap((m) => rule.bysecond!.map((s) => clock(h, m, s))),
  );
  if (all.length <= MAX_TIMES) return ` at ${list(all)}`;
  return `, ${all.length} times a day from ${all[0]} to ${all.at(-1)}`;
}

function clock(h: number, m: number, s: number): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(h)}:${two(m)}${s ? `:${two(s)}` : ''}`;
}

function isWorkweek(byday: ByDay[]): boolean {
  return byday.map((d) => d.day + (d.n ?? '')).join() === 'MO,TU,WE,TH,FR';
}

/** "day", "weekday" or "Monday and Friday". */
function dayNames(byday: ByDay[]): string {
  if (byday.length === 7) return 'day';
  return isWorkweek(byday) ? 'weekday' : list(byday.map((d) => DAY_NAMES[d.day]));
}

/** The days a monthly BYSETPOS picks from: "weekday", "Tuesday, Wednesday or Thursday". */
function daySet(byday: ByDay[]): string {
  if (byday.map((d) => d.day).join() === 'SA,SU') return 'weekend day';
  return byday.length === 7 || isWorkweek(byday)
    ? dayNames(byday)
    : list(
        byday.map((d) => DAY_NAMES[d.day]),
        'or',
      );
}

function dayWithOrdinal(d: ByDay): string {
  return d.n ? `the ${word(d.n)} ${DAY_NAMES[d.day]}` : `every ${DAY_NAMES[d.day]}`;
}

/** "1st, 15th and last day"; `noun` replaces the " day" that follows a count from the end. */
function monthDays(days: number[], conj = 'and', noun?: string): string {
  const ordered = fromTheEnd(days, (n) => n);
  const tail = noun ?? (ordered.at(-1)! < 0 ? 'day' : '');
  return list(ordered.map(nth), conj) + (tail && ` ${tail}`);
}

/** Counted from the start first, then from the end: 1, 15, -2, -1. */
function fromTheEnd<T>(items: T[], n: (item: T) => number): T[] {
  const key = (item: T) => (n(item) < 0 ? 1000 + n(item) : n(item));
  return [...items].sort((a, b) => key(a) - key(b));
}

/** "first" ... "fifth", "last", "second to last"; beyond five, "20th". */
function word(n: number): string {
  if (n === -1) return 'last';
  const w = WORDS[Math.abs(n) - 1] ?? nth(Math.abs(n));
  return n > 0 ? w : `${w} to last`;
}

/** "1st", "22nd", "last", "2nd to last". */
function nth(n: number): string {
  if (n === -1) return 'last';
  if (n < 0) return `${nth(-n)} to last`;
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

function list(items: string[], conj = 'and'): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} ${conj} ${items.at(-1)}`;
}
