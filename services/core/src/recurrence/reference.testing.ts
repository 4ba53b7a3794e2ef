import { IANAZone } from 'luxon';
import type { RuleInput, Occurrence } from './expand.ts';
import { FREQUENCIES, parseRule, WEEKDAYS, type ParsedRule } from './parse.ts';
import { DAY, HOUR, MINUTE, parseLocal, SECOND, type Wall } from './wall.ts';

/**
 * A naive RFC 5545 expander, the oracle for the engine's tests: it walks every day of a window, keeps a
 * day when it passes each BYxxx part (RFC 5545 3.3.10's table, read as filters), makes the times of day,
 * groups them by period, applies BYSETPOS last, then DTSTART, COUNT and UNTIL. Slow and obviously right;
 * it shares only the parser and the wall-time helpers with the engine.
 */
export function referenceWalls(rule: ParsedRule, start: Wall, end: Wall): Wall[] {
  const r = defaults(rule, start);
  const f = FREQUENCIES.indexOf(r.freq);
  const wkst = WEEKDAYS.indexOf(r.wkst);
  const periods = new Map<number, Wall[]>();
  const add = (period: number, wall: Wall) => {
    const set = periods.get(period) ?? [];
    set.push(wall);
    periods.set(period, set);
  };
  if (f >= 4) {
    // Sub-daily: every unit on the INTERVAL grid from DTSTART's unit is a period; BYxxx parts at or above
    // FREQ limit, finer ones expand.
    const unit = [HOUR, MINUTE, SECOND][f - 4]!;
    for (let u = floorTo(start, unit); u < end + unit; u += unit * r.interval) {
      const d = new Date(u);
      if (!dayMatches(r, floorTo(u, DAY), wkst)) continue;
      if (r.byhour && !r.byhour.includes(d.getUTCHours())) continue;
      if (f >= 5 && r.byminute && !r.byminute.includes(d.getUTCMinutes())) continue;
      if (f >= 6 && r.bysecond && !r.bysecond.includes(d.getUTCSeconds())) continue;
      const minutes = f === 4 ? r.byminute! : [d.getUTCMinutes()];
      const seconds = f <= 5 ? r.bysecond! : [d.getUTCSeconds()];
      for (const mi of minutes)
        for (const s of seconds)
          add(u, floorTo(u, HOUR) + (f === 4 ? mi : d.getUTCMinutes()) * MINUTE + s * SECOND);
    }
  } else {
    // Daily and coarser: every day from the start of DTSTART's period, kept when it passes every
    // day-level part, at every BYHOUR x BYMINUTE x BYSECOND time. Look past `end` far enough to complete
    // the last period, so that BYSETPOS sees whole sets.
    const from = firstDay(r, start, wkst);
    const startPeriod = periodOf(r, from, wkst);
    const margin = [372, 32, 8, 1][f]! * DAY;
    for (let day = from; day < end + margin; day += DAY) {
      const p = periodOf(r, day, wkst);
      if ((p - startPeriod) % r.interval !== 0 || !dayMatches(r, day, wkst)) continue;
      for (const h of r.byhour!) {
        for (const mi of r.byminute!)
          for (const s of r.bysecond!) add(p, day + h * HOUR + mi * MINUTE + s * SECOND);
      }
    }
  }
  const chosen: Wall[] = [];
  for (const set of periods.values()) {
    set.sort((a, b) => a - b);
    if (!r.bysetpos) chosen.push(...set);
    else {
      const picked = r.bysetpos.map((n) => set[n > 0 ? n - 1 : set.length + n]);
      chosen.push(...new Set(picked.filter((w) => w !== undefined)));
    }
  }
  chosen.sort((a, b) => a - b);
  const out = [start, ...new Set(chosen.filter((w) => w > start))].slice(0, r.count ?? Infinity);
  return out.filter((w) => w < end);
}

/**
 * The reference's occurrences of a series with wall times before `end`, placed in the zone, ordered and
 * de-duplicated by instant, without EXDATEs, only after `after`.
 */
export function referenceOccurrences(
  input: RuleInput,
  end: string,
  opts: { after?: string; floatingZone?: string; limit?: number } = {},
): Occurrence[] {
  const rule = parseRule(input.rrule);
  const { wall: start, allDay } = parseLocal(input.dtstart, 'dtstart');
  const zoneName = input.tz ?? opts.floatingZone;
  const zone = zoneName ? IANAZone.create(zoneName) : undefined;
  const placed = new Map<Wall, number>();
  const place = (wall: Wall) => {
    if (!zone) return wall;
    if (!placed.has(wall)) placed.set(wall, instantOf(wall, zone));
    return placed.get(wall)!;
  };
  let walls = referenceWalls(rule, start, parseLocal(end, 'end').wall);
  const afterWall = opts.after === undefined ? -Infinity : parseLocal(opts.after, 'after').wall;
  // Only the first `limit` are wanted: no wall more than two days before `after` can land after it.
  const limit = opts.limit ?? Infinity;
  walls = walls.filter((w) => w >= afterWall - 2 * DAY);
  const beyond = walls.findIndex((w) => w > afterWall + 2 * DAY);
  if (beyond >= 0) walls = walls.slice(0, beyond + limit + 10 + (input.exdate?.length ?? 0));
  if (rule.until) {
    const { wall, allDay: isDate } = parseLocal(rule.until.replace('Z', ''), 'until');
    const last = isDate ? wall + DAY - SECOND : wall;
    walls = walls.filter((w) => (rule.until!.endsWith('Z') && zone ? place(w) : w) <= last);
  }
  const dayOf = (w: Wall) => (allDay ? floorTo(w, DAY) : w);
  const ex = new Set(input.exdate?.map((x) => place(dayOf(parseLocal(x, 'exdate').wall))));
  const after = afterWall === -Infinity ? -Infinity : place(afterWall);
  const byKey = new Map<number, Wall>();
  for (const w of walls) if (!byKey.has(place(w))) byKey.set(place(w), w);
  return [...byKey.entries()]
    .filter(([key]) => key > after && !ex.has(key))
    .sort(([a], [b]) => a - b)
    .slice(0, limit)
    .map(([key, w]) => {
      if (!zone) return { local: iso(w, allDay), utc: null };
      const local = allDay ? w : key + zone.offset(key) * MINUTE;
      return { local: iso(local, allDay), utc: `${iso(key, false)}Z` };
    });
}

/** RFC 5545 3.3.10: what the rule leaves out comes from DTSTART. */
function defaults(rule: ParsedRule, start: Wall): ParsedRule {
  const d = new Date(start);
  const r = { ...rule };
  const f = FREQUENCIES.indexOf(r.freq);
  if (f < 6) r.bysecond ??= [d.getUTCSeconds()];
  if (f < 5) r.byminute ??= [d.getUTCMinutes()];
  if (f < 4) r.byhour ??= [d.getUTCHours()];
  const noDay = !r.byweekno && !r.byyearday && !r.bymonthday && !r.byday;
  if (r.freq === 'YEARLY' && noDay) {
    r.bymonth ??= [d.getUTCMonth() + 1];
    r.bymonthday = [d.getUTCDate()];
  }
  if (r.freq === 'MONTHLY' && noDay) r.bymonthday = [d.getUTCDate()];
  if (r.freq === 'WEEKLY' && noDay) r.byday = [{ day: WEEKDAYS[weekday(start)]! }];
  return r;
}

function dayMatches(r: ParsedRule, day: Wall, wkst: number): boolean {
  const x = factsOf(day);
  if (r.bymonth && !r.bymonth.includes(x.month)) return false;
  if (r.byweekno) {
    const { week, weeks } = x.weeks[wkst]!;
    if (!r.byweekno.some((n) => n === week || n === week - weeks - 1)) return false;
  }
  if (r.byyearday && !r.byyearday.some((n) => n === x.yearDay || n === x.yearDay - x.yearLength - 1)) {
    return false;
  }
  if (r.bymonthday && !r.bymonthday.some((n) => n === x.monthDay || n === x.monthDay - x.monthLength - 1)) {
    return false;
  }
  if (r.byday) {
    // An ordinal counts within the month for a monthly rule or a yearly one with BYMONTH, else the year.
    const inMonth = r.freq === 'MONTHLY' || (r.freq === 'YEARLY' && r.bymonth !== undefined);
    const [nth, nthLast] = inMonth ? x.inMonth : x.inYear;
    const wd = WEEKDAYS[x.weekday];
    if (!r.byday.some((b) => b.day === wd && (b.n === undefined || b.n === nth || b.n === nthLast))) {
      return false;
    }
  }
  return true;
}

interface Facts {
  year: number;
  month: number;
  monthDay: number;
  monthLength: number;
  yearDay: number;
  yearLength: number;
  weekday: number;
  /** Which of its weekday this day is, counted from the start and (negative) from the end. */
  inMonth: [number, number];
  inYear: [number, number];
  /** By WKST (0 = Monday): the week-numbered year, the week in it, and how many weeks it has. */
  weeks: { year: number; week: number; weeks: number }[];
}
const facts = new Map<Wall, Facts>();

/** Calendar facts of a day, counted the plain way (memoised: the property test asks for the same days often). */
function factsOf(day: Wall): Facts {
  let x = facts.get(day);
  if (x) return x;
  const d = new Date(day);
  const [y, m] = [d.getUTCFullYear(), d.getUTCMonth()];
  const count = (from: Wall, to: Wall): [number, number] => [
    Math.floor((day - from) / DAY / 7) + 1,
    -(Math.floor((to - DAY - day) / DAY / 7) + 1),
  ];
  x = {
    year: y,
    month: m + 1,
    monthDay: d.getUTCDate(),
    monthLength: (Date.UTC(y, m + 1, 1) - Date.UTC(y, m, 1)) / DAY,
    yearDay: (day - Date.UTC(y, 0, 1)) / DAY + 1,
    yearLength: (Date.UTC(y + 1, 0, 1) - Date.UTC(y, 0, 1)) / DAY,
    weekday: weekday(day),
    inMonth: count(Date.UTC(y, m, 1), Date.UTC(y, m + 1, 1)),
    inYear: count(Date.UTC(y, 0, 1), Date.UTC(y + 1, 0, 1)),
    weeks: WEEKDAYS.map((_, wkst) => {
      const { year, week } = weekOf(day, wkst);
      return { year, week, weeks: weeksIn(year, wkst) };
    }),
  };
  facts.set(day, x);
  return x;
}

/** The number of the period (year, month, week or day) a day belongs to. */
function periodOf(r: ParsedRule, day: Wall, wkst: number): number {
  const x = factsOf(day);
  if (r.freq === 'YEARLY') return r.byweekno ? x.weeks[wkst]!.year : x.year;
  if (r.freq === 'MONTHLY') return x.year * 12 + x.month;
  if (r.freq === 'WEEKLY') return Math.floor(weekStart(day, wkst) / DAY / 7);
  return day / DAY;
}

/** The first day of DTSTART's period. */
function firstDay(r: ParsedRule, start: Wall, wkst: number): Wall {
  const d = new Date(start);
  if (r.freq === 'YEARLY') {
    return r.byweekno ? week1(weekOf(start, wkst).year, wkst) : Date.UTC(d.getUTCFullYear(), 0, 1);
  }
  if (r.freq === 'MONTHLY') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  if (r.freq === 'WEEKLY') return weekStart(floorTo(start, DAY), wkst);
  return floorTo(start, DAY);
}

/** 0 = Monday. */
function weekday(wall: Wall): number {
  return (new Date(wall).getUTCDay() + 6) % 7;
}

function weekStart(day: Wall, wkst: number): Wall {
  return day - ((weekday(day) - wkst + 7) % 7) * DAY;
}

/** Week 1 is the first week (starting on WKST) with at least four days in the year. */
function week1(year: number, wkst: number): Wall {
  return weekStart(Date.UTC(year, 0, 4), wkst);
}

function weekOf(day: Wall, wkst: number): { year: number; week: number } {
  const year = new Date(weekStart(day, wkst) + 3 * DAY).getUTCFullYear();
  return { year, week: (weekStart(day, wkst) - week1(year, wkst)) / DAY / 7 + 1 };
}

function weeksIn(year: number, wkst: number): number {
  return (week1(year + 1, wkst) - week1(year, wkst)) / DAY / 7;
}

/** RFC 5545 3.3.5, stated plainly: the earliest instant showing this wall time, or past the gap. */
function instantOf(wall: Wall, zone: IANAZone): number {
  const offsets = [-2 * DAY, 0, 2 * DAY].map((dt) => zone.offset(wall + dt) * MINUTE);
  const fits = offsets.map((o) => wall - o).filter((t) => t + zone.offset(t) * MINUTE === wall);
  if (fits.length) return Math.min(...fits);
  // In a gap: read with the offset in force before it, which moves the time forward by the gap.
  return wall - zone.offset(wall - 2 * DAY) * MINUTE;
}

function floorTo(t: number, unit: number): number {
  return t - (((t % unit) + unit) % unit);
}

function iso(wall: Wall, allDay: boolean): string {
  return new Date(wall).toISOString().slice(0, allDay ? 10 : 19);
}
