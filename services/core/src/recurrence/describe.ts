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
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const UNITS = { YEARLY: 'year', MONTHLY: 'month', WEEKLY: 'week', DAILY: 'day', HOURLY: 'hour', MINUTELY: 'minute', SECONDLY: 'second' };
const WORDS = ['first', 'second', 'third', 'fourth', 'fifth'];
/** Beyond this many times of day we give the count and the range instead of the list. */
const MAX_TIMES = 6;

/** The series in English, e.g. "every month on the last Friday at 09:00, 10 times". */
export function describeRule(input: RuleInput): string {
  const { wall, allDay } = parseLocal(input.dtstart, 'dtstart');
  const rule = withDefaults(parseRule(input.rrule), wall);
  const setOfDays = Boolean(rule.bysetpos && rule.byday?.every((d) => !d.n) && !rule.bymonthday && !rule.byyearday);
  let text = `${every(rule)}${days(rule, setOfDays)}${allDay ? '' : times(rule)}`;
  if (rule.bysetpos && !(setOfDays && rule.freq === 'MONTHLY')) {
    text += `, only the ${list(rule.bysetpos.map(word))} of each ${UNITS[rule.freq]}`;
  }
  if (rule.count) text += rule.count === 1 ? ', once' : `, ${rule.count} times`;
  if (rule.until) text += ` until ${rule.until.replace('T', ' ').replace(/:00(Z?)$/, '$1').replace('Z', ' UTC')}`;
  const ex = input.exdate ?? [];
  if (ex.length) text += ex.length > 3 ? `, except on ${ex.length} dates` : `, except ${list(ex.map((x) => x.replace('T', ' ')))}`;
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

function days(rule: ParsedRule, setOfDays: boolean): string {
  const { freq, byday, bymonthday, bymonth, byyearday, byweekno } = rule;
  const months = bymonth && list(bymonth.map((m) => MONTHS[m - 1]!));
  if (freq === 'MONTHLY' || freq === 'YEARLY') {
    const of = freq === 'YEARLY' && months ? ` of ${months}` : '';
    const inMonths = freq === 'MONTHLY' && months ? ` in ${months}` : '';
    if (byyearday) return ` on the ${monthDays(byyearday)} day of the year${inMonths}`;
    if (byweekno) return `${byday ? ` on ${list(byday.map((d) => DAY_NAMES[d.day]))}` : ''} in week ${list(byweekno.map(String))}`;
    if (setOfDays && freq === 'MONTHLY') return ` on the ${list(rule.bysetpos!.map(word))} ${daySet(byday!)}${inMonths}`;
    if (byday && bymonthday) return ` on ${list(byday.map((d) => DAY_NAMES[d.day]), 'or')} the ${monthDays(bymonthday, 'or')}${of}${inMonths}`;
    if (byday?.some((d) => d.n)) return ` on ${list(byday.map(dayWithOrdinal))}${of || (freq === 'YEARLY' ? ' of the year' : '')}${inMonths}`;
    if (byday) return ` on every ${dayNames(byday)}${months ? ` in ${months}` : ''}`;
    if (bymonthday && freq === 'YEARLY' && bymonth?.length === 1 && bymonthday.every((n) => n > 0)) {
      return ` on ${months} ${list(bymonthday.map(String))}`;
    }
    if (bymonthday) return ` on the ${monthDays(bymonthday)}${of || (freq === 'YEARLY' ? ' of every month' : '')}${inMonths}`;
    return inMonths;
  }
  // In a weekly or finer rule the day parts only limit.
  let text = bymonthday ? ` on the ${monthDays(bymonthday, 'or')}` : '';
  if (byday && FREQUENCIES.indexOf(freq) > 3) text += ` on ${list(byday.map((d) => DAY_NAMES[d.day]), 'or')}`;
  return text + (months ? ` in ${months}` : '');
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
  const all = rule.byhour!.flatMap((h) => rule.byminute!.flatMap((m) => rule.bysecond!.map((s) => clock(h, m, s))));
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
  return byday.length === 7 || isWorkweek(byday) ? dayNames(byday) : list(byday.map((d) => DAY_NAMES[d.day]), 'or');
}

function dayWithOrdinal(d: ByDay): string {
  return d.n ? `the ${word(d.n)} ${DAY_NAMES[d.day]}` : `every ${DAY_NAMES[d.day]}`;
}

/** "1st, 15th and last day": positive days first, then those counted from the end. */
function monthDays(days: number[], conj = 'and'): string {
  const ordered = [...days.filter((n) => n > 0), ...days.filter((n) => n < 0)];
  return list(ordered.map(nth), conj) + (ordered.at(-1)! < 0 ? ' day' : '');
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
