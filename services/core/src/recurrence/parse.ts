import { ValidationError } from '../errors.ts';
import { formatWall, wallOf } from './wall.ts';

export const FREQUENCIES = [
  'YEARLY',
  'MONTHLY',
  'WEEKLY',
  'DAILY',
  'HOURLY',
  'MINUTELY',
  'SECONDLY',
] as const;
export type Frequency = (typeof FREQUENCIES)[number];
/** In rrule's order: 0 is Monday. */
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** A BYDAY entry: `n` is the ordinal (1 = first, -1 = last) within the month or year, when given. */
export interface ByDay {
  day: Weekday;
  n?: number;
}

/** An RRULE value checked against RFC 5545 3.3.10. Lists are sorted and free of duplicates. */
export interface ParsedRule {
  freq: Frequency;
  interval: number;
  count?: number;
  /** 'YYYY-MM-DD', a wall time 'YYYY-MM-DDTHH:mm:ss', or an instant 'YYYY-MM-DDTHH:mm:ssZ'. */
  until?: string;
  wkst: Weekday;
  bysecond?: number[];
  byminute?: number[];
  byhour?: number[];
  byday?: ByDay[];
  bymonthday?: number[];
  byyearday?: number[];
  byweekno?: number[];
  bymonth?: number[];
  bysetpos?: number[];
}

type NumberList =
  'bysecond' | 'byminute' | 'byhour' | 'bymonthday' | 'byyearday' | 'byweekno' | 'bymonth' | 'bysetpos';
/** Ranges from RFC 5545 3.3.10; `signed` lists count from the end with negative values and have no 0. */
const LISTS: Record<string, { key: NumberList; min: number; max: number; signed?: boolean }> = {
  BYSECOND: { key: 'bysecond', min: 0, max: 59 },
  BYMINUTE: { key: 'byminute', min: 0, max: 59 },
  BYHOUR: { key: 'byhour', min: 0, max: 23 },
  BYMONTHDAY: { key: 'bymonthday', min: 1, max: 31, signed: true },
  BYYEARDAY: { key: 'byyearday', min: 1, max: 366, signed: true },
  BYWEEKNO: { key: 'byweekno', min: 1, max: 53, signed: true },
  BYMONTH: { key: 'bymonth', min: 1, max: 12 },
  BYSETPOS: { key: 'bysetpos', min: 1, max: 366, signed: true },
};
const PARTS = ['FREQ', 'UNTIL', 'COUNT', 'INTERVAL', ...Object.keys(LISTS), 'BYDAY', 'WKST'];

/** Checks an RRULE value (with or without a leading "RRULE:"); throws ValidationError naming every problem. */
export function parseRule(text: string): ParsedRule {
  const issues: string[] = [];
  const body = text.trim().replace(/^RRULE:/i, '');
  if (/DTSTART/i.test(body)) {
    issues.push('DTSTART does not belong in the rule: send dtstart separately');
  } else if (/[\r\n]/.test(body)) {
    issues.push('expected a single RRULE value on one line (EXDATE and RDATE go elsewhere)');
  }
  const parts = new Map<string, string>();
  if (!issues.length) {
    // A trailing or doubled ';' is harmless, so empty parts are skipped.
    for (const part of body.split(';').filter((p) => p.trim())) {
      const [rawName = '', ...rest] = part.split('=');
      const name = rawName.trim().toUpperCase();
      const value = rest.length ? rest.join('=').trim().toUpperCase() : undefined;
      if (!PARTS.includes(name)) issues.push(`unknown part '${clip(name)}': expected ${PARTS.join(', ')}`);
      else if (value === undefined) issues.push(`${name} needs a value: ${name}=...`);
      else if (parts.has(name)) issues.push(`${name} is given more than once`);
      else parts.set(name, value);
    }
  }
  if (!issues.length && !parts.has('FREQ')) issues.push('FREQ is required, e.g. FREQ=WEEKLY');
  if (issues.length) fail(issues);

  const freq = parts.get('FREQ') as Frequency;
  if (!FREQUENCIES.includes(freq)) {
    issues.push(`FREQ must be one of ${FREQUENCIES.join(', ')}, not '${clip(freq)}'`);
  }
  const rule: ParsedRule = { freq, interval: 1, wkst: 'MO' };
  for (const [name, value] of parts) {
    if (name === 'FREQ') continue;
    if (name === 'INTERVAL' || name === 'COUNT') {
      const n = /^\d{1,9}$/.test(value) ? Number(value) : 0;
      if (n < 1) issues.push(`${name} must be a positive whole number, not '${clip(value)}'`);
      else rule[name === 'COUNT' ? 'count' : 'interval'] = n;
    } else if (name === 'UNTIL') {
      const until = parseUntil(value);
      if (until) rule.until = until;
      else issues.push(`UNTIL must be YYYYMMDD or YYYYMMDDTHHMMSS[Z], not '${clip(value)}'`);
    } else if (name === 'WKST') {
      if (WEEKDAYS.includes(value as Weekday)) rule.wkst = value as Weekday;
      else issues.push(`WKST must be one of ${WEEKDAYS.join(', ')}, not '${clip(value)}'`);
    } else if (name === 'BYDAY') {
      const days = value.split(',').map(parseDay);
      const bad = value.split(',').filter((_, i) => !days[i]);
      const example = 'days like MO, 1MO or -1FR (ordinals 1 to 53)';
      if (bad.length) issues.push(`BYDAY takes ${example}, not '${clip(bad.join(','))}'`);
      else rule.byday = sortDays(days as ByDay[]);
    } else {
      const { key, min, max, signed } = LISTS[name]!;
      const values = value.split(',');
      const nums = values.map((v) => (/^[+-]?\d{1,3}$/.test(v) ? Number(v) : NaN));
      const ok = (n: number) => (n >= min && n <= max) || (signed === true && n <= -min && n >= -max);
      const bad = values.filter((_, i) => !ok(nums[i]!));
      const range = signed ? `${min} to ${max} or -${max} to -${min}` : `${min} to ${max}`;
      if (bad.length) issues.push(`${name} takes whole numbers from ${range}, not '${clip(bad.join(','))}'`);
      else rule[key] = [...new Set(nums)].sort((a, b) => a - b);
    }
  }
  issues.push(...conflicts(rule, parts));
  if (issues.length) fail(issues);
  return rule;
}

/** The FREQ of a rule, after checking the whole rule. */
export function ruleFrequency(rrule: string): Frequency {
  return parseRule(rrule).freq;
}

/** Combinations RFC 5545 3.3.10 rules out. */
function conflicts(rule: ParsedRule, parts: Map<string, string>): string[] {
  const out: string[] = [];
  const { freq } = rule;
  if (parts.has('COUNT') && parts.has('UNTIL')) out.push('COUNT and UNTIL must not both be given');
  if (rule.bymonthday && freq === 'WEEKLY') out.push('BYMONTHDAY can not be used with FREQ=WEEKLY');
  if (rule.byyearday && ['DAILY', 'WEEKLY', 'MONTHLY'].includes(freq)) {
    out.push(`BYYEARDAY can not be used with FREQ=${freq}`);
  }
  if (rule.byweekno && freq !== 'YEARLY') out.push('BYWEEKNO needs FREQ=YEARLY');
  const ordinals = rule.byday?.filter((d) => d.n !== undefined) ?? [];
  if (ordinals.length) {
    if (freq !== 'MONTHLY' && freq !== 'YEARLY')
      out.push('BYDAY ordinals such as 1MO need FREQ=MONTHLY or FREQ=YEARLY');
    else if (freq === 'YEARLY' && rule.byweekno)
      out.push('BYDAY ordinals such as 1MO can not be used with BYWEEKNO');
    else if (freq === 'MONTHLY' && ordinals.some((d) => Math.abs(d.n!) > 5)) {
      out.push('in a monthly rule a BYDAY ordinal is at most 5 (a month has no 6th Monday)');
    }
  }
  if (rule.bysetpos && ![...parts.keys()].some((p) => p.startsWith('BY') && p !== 'BYSETPOS')) {
    out.push('BYSETPOS needs another BYxxx part to pick from');
  }
  return out;
}

function parseUntil(v: string): string | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(v);
  const [y = 0, mo = 0, d = 0, h, mi, s] = m ? m.slice(1, 7).map((x) => Number(x ?? 0)) : [];
  const wall = m ? wallOf(y, mo, d, h, mi, s) : undefined;
  return wall === undefined ? undefined : formatWall(wall, m![4] === undefined) + (m![7] ?? '');
}

function parseDay(v: string): ByDay | undefined {
  const m = /^([+-]?\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)$/.exec(v);
  const n = m?.[1] === undefined ? undefined : Number(m[1]);
  if (!m || n === 0 || Math.abs(n ?? 0) > 53) return undefined;
  return n === undefined ? { day: m[2] as Weekday } : { day: m[2] as Weekday, n };
}

function sortDays(days: ByDay[]): ByDay[] {
  const key = (d: ByDay) => `${d.n ?? 0}:${WEEKDAYS.indexOf(d.day)}`;
  const unique = new Map(days.map((d) => [key(d), d]));
  return [...unique.values()].sort(
    (a, b) => (a.n ?? 0) - (b.n ?? 0) || WEEKDAYS.indexOf(a.day) - WEEKDAYS.indexOf(b.day),
  );
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

function fail(issues: string[]): never {
  throw new ValidationError(
    `invalid recurrence rule: ${issues[0]}`,
    issues.map((issue) => ({ path: 'rrule', issue })),
  );
}
