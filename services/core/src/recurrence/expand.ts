import { IANAZone } from 'luxon';
import rrulePkg from 'rrule';
import { ValidationError } from '../errors.ts';
import {
  FREQUENCIES,
  parseRule,
  WEEKDAYS,
  type ByDay,
  type Frequency,
  type ParsedRule,
  type Weekday,
} from './parse.ts';
import {
  DAY,
  formatInstant,
  formatWall,
  HOUR,
  instantToWall,
  MINUTE,
  parseLocal,
  SECOND,
  wallToInstant,
  type Wall,
} from './wall.ts';

// rrule is CommonJS without an "exports" map: under Node's ESM only its default export (module.exports)
// carries the classes, and its "module" build has extensionless imports that Node refuses.
const { RRule, Weekday: RRuleWeekday } = rrulePkg;
type RRule = InstanceType<typeof RRule>;

export interface RuleInput {
  /** RFC 5545 RRULE value, with or without a leading "RRULE:". */
  rrule: string;
  /** Local wall time "YYYY-MM-DDTHH:mm[:ss]", or a date "YYYY-MM-DD" for an all-day series. */
  dtstart: string;
  /** IANA zone; absent = floating. */
  tz?: string;
  /** Local wall times (same form as dtstart) to leave out. */
  exdate?: string[];
}
/**
 * `local` is "YYYY-MM-DDTHH:mm:ss" ("YYYY-MM-DD" all-day); `utc` is "YYYY-MM-DDTHH:mm:ssZ", or null for a
 * floating rule with no zone to read it in.
 */
export interface Occurrence {
  local: string;
  utc: string | null;
}
export interface OccurrenceOptions {
  /** How many to return: 20 by default, at most 500. */
  count?: number;
  /** Only occurrences after this local wall time (exclusive). */
  after?: string;
  /** The zone in which to read a floating rule, to give its occurrences a utc. */
  floatingZone?: string;
}

const DEFAULT_COUNT = 20;
const MAX_COUNT = 500;
/** rrule candidates we look at per call, wherever they go: bounds the work for any rule. */
const MAX_CANDIDATES = 50_000;
/** Periods (years, months, ...) in a row without an occurrence after which we take the rule to be over. */
const MAX_IDLE_PERIODS = 5_000;
/** Periods in 400 years: the Gregorian calendar then repeats, so a simple rule that found nothing never will. */
const CYCLE: Partial<Record<Frequency, number>> = { YEARLY: 400, MONTHLY: 4800 };
const UNIT: Partial<Record<Frequency, number>> = {
  WEEKLY: 7 * DAY,
  DAILY: DAY,
  HOURLY: HOUR,
  MINUTELY: MINUTE,
  SECONDLY: SECOND,
};
/** The time-of-day parts and the frequency (index in FREQUENCIES) from which each limits instead of expands. */
const TIME_PARTS = [
  ['byhour', 4, (d: Date) => d.getUTCHours()],
  ['byminute', 5, (d: Date) => d.getUTCMinutes()],
  ['bysecond', 6, (d: Date) => d.getUTCSeconds()],
] as const;

/**
 * The occurrences of a series in order, from DTSTART or after `opts.after`. Gives fewer than asked when
 * the rule ends, when it yields nothing for 400 years or 5,000 periods in a row, or after 50,000 candidates.
 */
export function occurrences(input: RuleInput, opts: OccurrenceOptions = {}): Occurrence[] {
  const want = countOf(opts.count);
  const parsed = parseRule(input.rrule);
  const { wall: start, allDay } = parseLocal(input.dtstart, 'dtstart');
  if (
    allDay &&
    (FREQUENCIES.indexOf(parsed.freq) > 3 || parsed.byhour || parsed.byminute || parsed.bysecond)
  ) {
    throw new ValidationError('invalid recurrence rule', [
      {
        path: 'rrule',
        issue:
          'an all-day series (dtstart without a time) repeats at most daily and has no BYHOUR, BYMINUTE or BYSECOND',
      },
    ]);
  }
  const rule = withDefaults(parsed, start);
  refuseOutOfReach(rule);
  const zone = zoneOf(input.tz, 'tz') ?? zoneOf(opts.floatingZone, 'floatingZone');
  const place = placer(allDay, zone);
  const after = opts.after === undefined ? undefined : parseLocal(opts.after, 'after').wall;
  const afterKey = after === undefined ? -Infinity : place(after).key;
  // No wall time this far before `after` can land after it, whatever the zone's offsets and gaps.
  const skipBelow = after === undefined ? -Infinity : after - 3 * DAY;
  const exKeys = new Set(input.exdate?.map((x, i) => place(exdateWall(x, `exdate.${i}`, allDay)).key));
  // A UNTIL in UTC bounds instants; a floating one bounds wall times, and a date one takes in its whole day.
  let untilWall = Infinity;
  let untilKey = Infinity;
  if (rule.until) {
    const { wall, allDay: isDate } = parseLocal(rule.until.replace('Z', ''), 'rrule');
    const end = isDate ? wall + DAY - SECOND : wall;
    if (rule.until.endsWith('Z') && zone) untilKey = end;
    else untilWall = end;
  }

  // Last stage: place wall times in the zone, in order of instants, without duplicates or EXDATEs.
  const out: Occurrence[] = [];
  const pending: Placed[] = [];
  let lastKey = NaN;
  const emit = (p: Placed): boolean => {
    if (p.key > untilKey || out.length >= want) return false;
    if (p.key !== lastKey && p.key > afterKey && !exKeys.has(p.key)) out.push(p.occ);
    lastKey = p.key;
    return out.length < want;
  };
  const inZone = (wall: Wall): boolean => {
    const p = place(wall);
    let i = pending.length;
    while (i > 0 && pending[i - 1]!.key > p.key) i--;
    pending.splice(i, 0, p);
    if (p.shifted) return true;
    // A later wall time never maps before an unshifted one (a shifted one lands past its gap), so all
    // pending up to this instant is final.
    while (pending.length && pending[0]!.key <= p.key) if (!emit(pending.shift()!)) return false;
    return true;
  };
  // Middle stage: COUNT and a wall-time UNTIL, which RFC 5545 applies after BYSETPOS.
  let left = rule.count ?? Infinity;
  let idleReads = 0;
  const take = (wall: Wall): boolean => {
    idleReads = 0;
    if (wall > untilWall) return false;
    const more = --left > 0;
    return (wall < skipBelow || inZone(wall)) && more;
  };
  const picked = bySetPos(rule, (wall) => wall <= start || take(wall));

  // RFC 5545 3.8.5.3: DTSTART is always the first occurrence, even when the rule would not yield it
  // (rrule leaves it out then).
  if (take(start)) {
    const first = periodStart(rule, start);
    // COUNT counts from DTSTART; without it we may start on the INTERVAL grid just before `after`.
    const from = rule.count ? first : gridStart(rule, first, skipBelow);
    const limits = [timeLimit(rule), weekLimit(rule, first)].filter((l) => l !== undefined);
    // Two reads of options.interval per period (see run): give up after so many periods with no occurrence.
    const maxIdleReads = 2 * idlePeriods(rule);
    const idle = () => ++idleReads > maxIdleReads;
    const keep = (wall: Wall) => limits.every((l) => l(wall));
    // A period that starts after UNTIL holds nothing to take (BYSETPOS picks within a period, and no wall
    // time is more than a day from its instant): stop there rather than search through empty sets.
    const pastUntil = Math.min(untilWall, untilKey + 2 * DAY);
    const whole = run(toRRule(rule, from), idle, (wall) => {
      if (periodStart(rule, wall) > pastUntil) return picked.flush() && false;
      return !keep(wall) || picked.push(wall);
    });
    if (whole) picked.flush();
  }
  for (const p of pending) if (!emit(p)) break;
  return out;
}

/** The first occurrence after `afterLocal` (exclusive), or null when there is none. */
export function nextOccurrence(
  rule: RuleInput,
  afterLocal: string,
  floatingZone?: string,
): Occurrence | null {
  return occurrences(rule, { count: 1, after: afterLocal, floatingZone })[0] ?? null;
}

/**
 * The rule with what RFC 5545 takes from DTSTART spelled out: the day of a yearly, monthly or weekly
 * rule that names none, and the time-of-day parts coarser than FREQ. With these fixed, the rule gives the
 * same occurrences from any period boundary on its INTERVAL grid.
 */
export function withDefaults(rule: ParsedRule, dtstart: Wall): ParsedRule {
  const d = new Date(dtstart);
  const out = { ...rule };
  if (!rule.byweekno && !rule.byyearday && !rule.bymonthday && !rule.byday) {
    if (rule.freq === 'YEARLY') out.bymonth ??= [d.getUTCMonth() + 1];
    if (rule.freq === 'YEARLY' || rule.freq === 'MONTHLY') out.bymonthday = [d.getUTCDate()];
    if (rule.freq === 'WEEKLY') out.byday = [{ day: weekdayOf(dtstart) }];
  }
  const f = FREQUENCIES.indexOf(rule.freq);
  for (const [key, level, get] of TIME_PARTS) if (f < level) out[key] ??= [get(d)];
  return out;
}

export function weekdayOf(wall: Wall): Weekday {
  return WEEKDAYS[(new Date(wall).getUTCDay() + 6) % 7]!;
}

interface Placed {
  key: number;
  shifted: boolean;
  occ: Occurrence;
}

/** Maps wall times to occurrences; `key` (instant, or wall time when floating without zone) orders them. */
function placer(allDay: boolean, zone: IANAZone | undefined): (wall: Wall) => Placed {
  return (wall) => {
    if (!zone) return { key: wall, shifted: false, occ: { local: formatWall(wall, allDay), utc: null } };
    const t = wallToInstant(wall, zone);
    // `local` is the wall time the instant really shows (02:30 in a spring-forward gap becomes 03:30), so
    // local and utc always agree. An all-day occurrence keeps its date; its utc is when that day begins.
    const local = allDay ? wall : instantToWall(t, zone);
    return {
      key: t,
      shifted: local !== wall,
      occ: { local: formatWall(local, allDay), utc: formatInstant(t) },
    };
  };
}

/**
 * The rule for rrule, started at `from` (a period boundary), without COUNT, UNTIL and BYSETPOS, and
 * without the time-of-day parts that limit a sub-daily rule: `occurrences` applies those itself.
 *
 * rrule 2.8.1 numbers weeks only within the calendar year, so it misplaces the weeks that straddle New
 * Year (BYWEEKNO=53 gives a day of week 52, BYWEEKNO=52 misses January days): a rule with BYWEEKNO goes
 * to rrule without it and without INTERVAL, as every day its other parts allow, and `weekLimit` keeps
 * the weeks it names in the week-numbered years on its INTERVAL grid.
 */
function toRRule(rule: ParsedRule, from: Wall): RRule {
  const f = FREQUENCIES.indexOf(rule.freq);
  const years = byYears(rule);
  return new RRule(
    {
      freq: years ? 0 : f,
      interval: years ? 1 : rule.interval,
      wkst: WEEKDAYS.indexOf(rule.wkst),
      dtstart: new Date(from),
      bymonth: rule.bymonth ?? null,
      byyearday: rule.byyearday ?? null,
      bymonthday: rule.bymonthday ?? null,
      // Every day of the week where the rule names none: BYWEEKNO expands to its whole week (RFC 5545's
      // table), a daily rule takes every day, and rrule must not fill in DTSTART's day.
      byweekday: rrDays(rule.byday ?? (years ? WEEKDAYS.map((day) => ({ day })) : undefined), rule),
      byhour: f < 4 ? rule.byhour! : null,
      byminute: f < 5 ? rule.byminute! : null,
      bysecond: f < 6 ? rule.bysecond! : null,
    },
    true,
  );
}

/**
 * Days between occurrences beyond which a walk by hours, or by days on a grid, may give up (after 5,000
 * periods). A date falls on a given weekday again within 12 years; February 29 only within 28 to 40.
 */
const REACH_DAYS = 4700;
const gaps = new Map<string, number>();

/**
 * Refuses a rule the engine would end too early: a walk by hours, or by days with INTERVAL > 1 or
 * BYSETPOS, gives up after 5,000 periods without an occurrence, and a BYDAY with BYMONTHDAY or BYYEARDAY
 * can meet only every 28 years (a Monday, February 29). Such a series would stop after one instance,
 * silently. The day parts' longest gap over a 400-year cycle decides (once per set of day parts).
 */
function refuseOutOfReach(rule: ParsedRule): void {
  const f = FREQUENCIES.indexOf(rule.freq);
  const walksPeriods = f >= 4 || (f === 3 && !byYears(rule));
  if (!walksPeriods || !rule.byday || !(rule.bymonthday || rule.byyearday)) return;
  const parts = {
    bymonth: rule.bymonth ?? null,
    bymonthday: rule.bymonthday ?? null,
    byyearday: rule.byyearday ?? null,
    byweekday: rule.byday.map((d) => WEEKDAYS.indexOf(d.day)),
  };
  const key = JSON.stringify(parts);
  let gap = gaps.get(key);
  if (gap === undefined) {
    let last = Date.UTC(2000, 0, 1);
    gap = 0;
    const cycle = { dtstart: new Date(last), until: new Date(Date.UTC(2400, 0, 1)) };
    for (const d of new RRule({ freq: 0, ...cycle, ...parts, byhour: 0, byminute: 0, bysecond: 0 }).all()) {
      gap = Math.max(gap, d.getTime() - last);
      last = d.getTime();
    }
    gap = Math.max(gap, Date.UTC(2400, 0, 1) - last) / DAY;
    if (gaps.size > 1000) gaps.clear();
    gaps.set(key, gap);
  }
  if (gap > REACH_DAYS) {
    throw new ValidationError('invalid recurrence rule', [
      {
        path: 'rrule',
        issue: `these days can be ${Math.round(gap / 365.25)} years apart, too far for FREQ=${rule.freq}${rule.interval > 1 ? `;INTERVAL=${rule.interval}` : ''}: write it as FREQ=YEARLY (with BYHOUR for the time)`,
      },
    ]);
  }
}

/**
 * rrule 2.8.1 requires a day to match both the plain and the ordinal days of a BYDAY that mixes them
 * (MO,-1FR gives nothing: rrule issue #71), where RFC 5545 takes either. An ordinal list alone works, so
 * a plain day goes as all its ordinals in the month (1 to 5) or, for a yearly rule without BYMONTH, the
 * year (1 to 53).
 */
function rrDays(byday: ByDay[] | undefined, rule: ParsedRule): InstanceType<typeof RRuleWeekday>[] | null {
  if (!byday) return null;
  const mixed = byday.some((d) => d.n !== undefined) && byday.some((d) => d.n === undefined);
  const most = rule.freq === 'YEARLY' && !rule.bymonth ? 53 : 5;
  return byday.flatMap(({ day, n }) => {
    const ns = mixed && n === undefined ? Array.from({ length: most }, (_, i) => i + 1) : [n];
    return ns.map((k) => new RRuleWeekday(WEEKDAYS.indexOf(day), k));
  });
}

/**
 * For a rule with BYWEEKNO (which rrule gets without it, see toRRule): keeps the days in the weeks
 * it names, in week-numbered years on its INTERVAL grid from `first` (the start of DTSTART's week-year).
 */
function weekLimit(rule: ParsedRule, first: Wall): ((wall: Wall) => boolean) | undefined {
  const weeks = rule.byweekno;
  if (!weeks || !isWeekNumbered(rule)) return undefined;
  const wkst = WEEKDAYS.indexOf(rule.wkst);
  const firstYear = weekOf(first, wkst).year;
  return (wall) => {
    const { year, week } = weekOf(wall, wkst);
    const last = weeksIn(year, wkst);
    return (year - firstYear) % rule.interval === 0 && weeks.some((n) => n === week || n === week - last - 1);
  };
}

function isWeekNumbered(rule: ParsedRule): boolean {
  return rule.freq === 'YEARLY' && rule.byweekno !== undefined;
}

/**
 * Rules rrule gets as a yearly rule with INTERVAL=1, as every day their parts allow: a week-numbered
 * one (see toRRule), and a daily or weekly one with INTERVAL=1 and no BYSETPOS, whose days those are.
 * A yearly walk gives up only after 400 years without an occurrence, when the calendar has repeated;
 * a daily walk gave up after 5,000 days, so FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO stopped after
 * 2016 though 2044-02-29 is a Monday too.
 */
function byYears(rule: ParsedRule): boolean {
  const plain = (rule.freq === 'DAILY' || rule.freq === 'WEEKLY') && rule.interval === 1 && !rule.bysetpos;
  return plain || isWeekNumbered(rule);
}

/** The start of the week (from `wkst`, 0 = Monday) that holds `wall`. */
function weekStart(wall: Wall, wkst: number): Wall {
  const day = wall - mod(wall, DAY);
  return day - mod(WEEKDAYS.indexOf(weekdayOf(day)) - wkst, 7) * DAY;
}

/** Week 1 is the first week from WKST with at least four days in its year: the one that holds January 4. */
function week1(year: number, wkst: number): Wall {
  return weekStart(Date.UTC(year, 0, 4), wkst);
}

/** The week-numbered year and week that hold `wall`: a week belongs to the year of its fourth day. */
function weekOf(wall: Wall, wkst: number): { year: number; week: number } {
  const start = weekStart(wall, wkst);
  const year = new Date(start + 3 * DAY).getUTCFullYear();
  return { year, week: Math.round((start - week1(year, wkst)) / (7 * DAY)) + 1 };
}

function weeksIn(year: number, wkst: number): number {
  return Math.round((week1(year + 1, wkst) - week1(year, wkst)) / (7 * DAY));
}

/**
 * For FREQ=HOURLY and finer, a BYHOUR/BYMINUTE/BYSECOND at or above FREQ limits. rrule 2.8.1 looks for a
 * match with an unbounded loop that hangs when none is reachable (FREQ=HOURLY;INTERVAL=2;BYHOUR=1 from
 * 00:00), and when it carries into the next hour it leaves the INTERVAL grid (FREQ=MINUTELY;INTERVAL=90;
 * BYHOUR=2 yields 02:30 and 02:00, though 90-minute steps from 00:00 never meet hour 2): we filter here.
 */
function timeLimit(rule: ParsedRule): ((wall: Wall) => boolean) | undefined {
  const f = FREQUENCIES.indexOf(rule.freq);
  const limits = TIME_PARTS.filter(([key, level]) => f >= level && rule[key]);
  if (!limits.length) return undefined;
  return (wall) => limits.every(([key, , get]) => rule[key]!.includes(get(new Date(wall))));
}

/**
 * BYSETPOS picks from each period's whole set. rrule 2.8.1 builds a weekly set only from DTSTART's day on,
 * and for a position past the end of a set it makes an Invalid Date that breaks its sort (BYSETPOS=-1,5,1
 * gives unsorted and repeated dates), so rrule gets the rule without BYSETPOS and we pick here.
 */
function bySetPos(rule: ParsedRule, next: (wall: Wall) => boolean) {
  const positions = rule.bysetpos;
  if (!positions) return { push: next, flush: () => true };
  let set: Wall[] = [];
  let period = NaN;
  const flush = (): boolean => {
    const chosen = positions.map((p) => set.at(p > 0 ? p - 1 : p)).filter((w) => w !== undefined);
    set = [];
    return [...new Set(chosen)].sort((a, b) => a - b).every(next);
  };
  const push = (wall: Wall): boolean => {
    const p = periodStart(rule, wall);
    const go = p === period || !set.length || flush();
    period = p;
    set.push(wall);
    return go;
  };
  return { push, flush };
}

const STOP = Symbol('idle');

/**
 * Feeds rrule's candidates (wall times, in order) to `visit` until it returns false, or `idle()` says
 * to give up. Returns true when rrule stopped at the end of a period. rrule 2.8.1 checks UNTIL only in a
 * period that yields something, so a rule that yields nothing runs on to year 9999 (24 s for
 * FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30). Its main loop reads options.interval twice per period, so a getter
 * there is our per-period hook.
 */
function run(r: RRule, idle: () => boolean, visit: (wall: Wall) => boolean): boolean {
  const interval = r.options.interval;
  let candidates = 0;
  let whole = true;
  Object.defineProperty(r.options, 'interval', {
    get: () => {
      if (idle()) throw STOP;
      return interval;
    },
  });
  try {
    r.all((date) => {
      whole = ++candidates <= MAX_CANDIDATES && visit(date.getTime());
      return whole;
    });
  } catch (err) {
    if (err !== STOP) throw err;
  }
  return whole;
}

function idlePeriods(rule: ParsedRule): number {
  // rrule walks these year by year, whatever their INTERVAL.
  if (byYears(rule)) return CYCLE.YEARLY!;
  return Math.min(MAX_IDLE_PERIODS, Math.ceil((CYCLE[rule.freq] ?? Infinity) / rule.interval));
}

/** The start of the period (year, month, week from WKST, day, ...) that holds `wall`. */
function periodStart(rule: ParsedRule, wall: Wall): Wall {
  const d = new Date(wall);
  if (isWeekNumbered(rule))
    return week1(weekOf(wall, WEEKDAYS.indexOf(rule.wkst)).year, WEEKDAYS.indexOf(rule.wkst));
  if (rule.freq === 'YEARLY') return Date.UTC(d.getUTCFullYear(), 0, 1);
  if (rule.freq === 'MONTHLY') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  if (rule.freq === 'WEEKLY') return weekStart(wall, WEEKDAYS.indexOf(rule.wkst));
  return wall - mod(wall, UNIT[rule.freq]!);
}

/** The last period start on the rule's INTERVAL grid (from `first`) at or before `target`. */
function gridStart(rule: ParsedRule, first: Wall, target: Wall): Wall {
  if (target <= first) return first;
  if (isWeekNumbered(rule)) {
    const wkst = WEEKDAYS.indexOf(rule.wkst);
    const [from, to] = [weekOf(first, wkst).year, weekOf(target, wkst).year];
    return week1(from + Math.floor((to - from) / rule.interval) * rule.interval, wkst);
  }
  const a = new Date(first);
  const b = new Date(periodStart(rule, target));
  const months = (b.getUTCFullYear() - a.getUTCFullYear()) * 12 + b.getUTCMonth() - a.getUTCMonth();
  if (rule.freq === 'YEARLY' || rule.freq === 'MONTHLY') {
    const per = rule.freq === 'YEARLY' ? 12 : 1;
    const k = Math.floor(months / per / rule.interval) * rule.interval;
    return Date.UTC(a.getUTCFullYear(), a.getUTCMonth() + k * per, 1);
  }
  const step = UNIT[rule.freq]! * rule.interval;
  return first + Math.floor((b.getTime() - first) / step) * step;
}

function countOf(count = DEFAULT_COUNT): number {
  if (!Number.isInteger(count) || count < 1) {
    throw new ValidationError('invalid count', [{ path: 'count', issue: 'expected a whole number from 1' }]);
  }
  return Math.min(count, MAX_COUNT);
}

function zoneOf(name: string | undefined, path: string): IANAZone | undefined {
  if (name === undefined) return undefined;
  if (!IANAZone.isValidZone(name)) {
    throw new ValidationError('unknown time zone', [
      { path, issue: 'not an IANA time zone (e.g. Europe/Berlin)' },
    ]);
  }
  return IANAZone.create(name);
}

function exdateWall(text: string, path: string, allDay: boolean): Wall {
  const { wall, allDay: isDate } = parseLocal(text, path);
  if (isDate && !allDay) {
    throw new ValidationError('invalid exdate', [
      { path, issue: 'expected a local date-time YYYY-MM-DDTHH:mm[:ss], like dtstart' },
    ]);
  }
  // Tasks store exdates as date-times, so for an all-day series only the date counts.
  return allDay ? wall - mod(wall, DAY) : wall;
}

function mod(a: number, n: number): number {
  return ((a % n) + n) % n;
}
