import { DateTime, Duration, IANAZone } from 'luxon';
import { z } from 'zod';
import { wallOf, wallToInstant } from './recurrence/wall.ts';

export const PRIORITIES = ['none', 'low', 'medium', 'high'] as const;
export const STATUSES = ['open', 'done', 'skipped'] as const;
export const RECURRENCE_MODES = ['schedule', 'after-completion'] as const;
export type Priority = (typeof PRIORITIES)[number];
export type Status = (typeof STATUSES)[number];

/** Size limits of a task; the API answers 400 past any of them. */
export const LIMITS = {
  title: 500,
  notes: 10_000,
  tags: 20,
  tag: 50,
  reminders: 10,
  exdate: 500,
  rrule: 1_000,
  /** How far a relative reminder may sit from the due time. */
  reminderOffsetDays: 366,
} as const;

// The refinements are restated for the OpenAPI document (`meta`), which cannot run them: the fuzzer and
// clients generate from the document, and what it allows the server must accept, and the reverse.
/** A calendar date (Gregorian leap years) as a pattern, for years the `year` pattern allows. */
const calendarDate = (year: string, leapYear: string) =>
  `(?:${year}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|${leapYear}-02-29)`;
const LEAP_CENTURY = '(?:[2468][048]|[13579][26])00';
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((s) => DateTime.fromISO(s).isValid, 'not a calendar date')
  .refine((s) => s >= '1900', 'must be in the years 1900 to 9999')
  .meta({
    pattern: `^${calendarDate('(?:19|[2-9][0-9])[0-9]{2}', '(?:(?:19|[2-9][0-9])(?:0[48]|[2468][048]|[13579][26])|(?:[2468][048]|[3579][26])00)')}$`,
  });
const localTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time as HH:mm (00:00 to 23:59)');
export const zoneName = z
  .string()
  .max(64)
  .refine((s) => IANAZone.isValidZone(s), 'not an IANA time zone (e.g. Europe/Berlin)')
  // The shape of a zone name; which names exist is the IANA database's to say (an enum of the ~420
  // would make a fuzzer's coverage phase try each one on every operation).
  .meta({
    pattern: '^(?:UTC|[A-Z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+){1,2})$',
    description: 'an IANA time zone name, e.g. Europe/Berlin',
  });
// The recurrence engine reads local dates and times from the year 1000 on.
const LOCAL_YEAR = '[1-9][0-9]{3}';
const LOCAL_LEAP_YEAR = `(?:[1-9][0-9](?:0[48]|[2468][048]|[13579][26])|${LEAP_CENTURY})`;
/** A wall-clock date with no zone, from the year 1000: YYYY-MM-DD. */
export const localDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a local date as YYYY-MM-DD')
  .refine(
    (s) => s >= '1000' && DateTime.fromISO(s, { zone: 'utc' }).isValid,
    'not a calendar date from the year 1000',
  )
  .meta({ pattern: `^${calendarDate(LOCAL_YEAR, LOCAL_LEAP_YEAR)}$` });
/** A wall-clock date-time with no zone, from the year 1000: YYYY-MM-DDTHH:mm[:ss]. */
export const localDateTime = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'expected a local date-time as YYYY-MM-DDTHH:mm[:ss]')
  .refine(
    (s) => s >= '1000' && DateTime.fromISO(s, { zone: 'utc' }).isValid,
    'not a calendar date-time from the year 1000',
  )
  .meta({
    pattern: `^${calendarDate(LOCAL_YEAR, LOCAL_LEAP_YEAR)}T(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?$`,
  });

/** A due date, optionally with a time; without `tz` it is floating (read in the owner's zone). */
export const Due = z.strictObject({ date: isoDate, time: localTime.optional(), tz: zoneName.optional() });
export type Due = z.infer<typeof Due>;

const offset = z
  .string()
  // Luxon's own ISO 8601 duration syntax (the 366-day bound is in the operation's prose only).
  .meta({
    pattern:
      '^-?P(?:(?:-?[0-9]{1,20}(?:\\.[0-9]{1,20})?Y)?(?:-?[0-9]{1,20}(?:\\.[0-9]{1,20})?M)?(?:-?[0-9]{1,20}(?:\\.[0-9]{1,20})?W)?(?:-?[0-9]{1,20}(?:\\.[0-9]{1,20})?D)?(?:T(?:-?[0-9]{1,20}(?:\\.[0-9]{1,20})?H)?(?:-?[0-9]{1,20}(?:\\.[0-9]{1,20})?M)?(?:-?[0-9]{1,20}(?:[.,]-?[0-9]{1,20})?S)?)?)$',
    description: `an ISO 8601 duration (negative: before the due time), at most ${LIMITS.reminderOffsetDays} days`,
  })
  .refine((s) => Duration.fromISO(s).isValid, 'expected an ISO 8601 duration such as -PT30M or -P1D')
  .refine(
    (s) => Math.abs(Duration.fromISO(s).as('days')) <= LIMITS.reminderOffsetDays,
    `at most ${LIMITS.reminderOffsetDays} days from the due time`,
  );
const reminderId = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'expected 1 to 40 letters, digits, _ or -');
const utcInstant = z.iso.datetime({ offset: true });
/** A snooze: the reminder rings no earlier than this UTC instant (YYYY-MM-DDTHH:mm:ss[.sss]Z). */
const snoozedUntil = z.iso.datetime().optional();
const relative = { offset, snoozedUntil };
const absolute = { at: utcInstant, snoozedUntil };

/** A reminder relative to the due time (`offset`, negative = before) or at an absolute instant (`at`). */
export const ReminderInput = z.union([
  z.strictObject({ id: reminderId.optional(), ...relative }),
  z.strictObject({ id: reminderId.optional(), ...absolute }),
]);
export type ReminderInput = z.infer<typeof ReminderInput>;
export const Reminder = z.union([
  z.strictObject({ id: reminderId, ...relative }),
  z.strictObject({ id: reminderId, ...absolute }),
]);
export type Reminder = z.infer<typeof Reminder>;

export const Recurrence = z.strictObject({
  rrule: z.string().min(1).max(LIMITS.rrule),
  exdate: z.array(localDateTime).max(LIMITS.exdate).optional(),
  mode: z.enum(RECURRENCE_MODES).default('schedule'),
  /** A paused series makes no new occurrences and fires no reminders until it is resumed. */
  paused: z.boolean().optional(),
});
export type Recurrence = z.infer<typeof Recurrence>;

// The length is checked as sent, before the trim, so that the document's maxLength is the server's.
const title = z
  .string()
  .max(LIMITS.title)
  .trim()
  .min(1, 'must not be empty')
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters')
  .meta({
    // Blank around (trimmed), at least one visible character, no control character inside.
    pattern: '^\\s*[^\\s\\x00-\\x1f\\x7f]([^\\x00-\\x1f\\x7f]*[^\\s\\x00-\\x1f\\x7f])?\\s*$',
  });
const notes = z.string().max(LIMITS.notes);
/** Tags are case-insensitive words: stored lower-case, a leading # dropped. */
export const Tag = z
  .string()
  .trim()
  .transform((s) => s.replace(/^#/, ''))
  .pipe(
    z
      .string()
      .min(1, 'must not be empty')
      .max(LIMITS.tag)
      .regex(/^[\p{L}\p{N}_\-/.]+$/u, 'letters, digits, _ - / . only'),
  )
  // Checked as sent, then lower-cased: lower case can add a mark the check refuses (İ → i̇).
  .transform((s) => s.toLowerCase())
  .meta({ pattern: '^\\s*#?[\\p{L}\\p{N}_\\-/.]{1,50}\\s*$' });
const tags = z
  .array(Tag)
  .max(LIMITS.tags)
  .transform((t) => [...new Set(t)]);
const reminders = z.array(ReminderInput).max(LIMITS.reminders, `at most ${LIMITS.reminders} reminders`);

/** What a client sends to create a task. */
export const TaskCreate = z
  .strictObject({
    title,
    notes: notes.optional(),
    priority: z.enum(PRIORITIES).default('none'),
    tags: tags.default([]),
    due: Due.optional(),
    reminders: reminders.default([]),
    recurrence: Recurrence.optional(),
  })
  .meta({
    // The rules across fields that JSON Schema can state (the task service checks them all).
    dependentRequired: { recurrence: ['due'] },
    if: { required: ['reminders'], properties: { reminders: { contains: { required: ['offset'] } } } },
    then: { required: ['due'] },
  });
export type TaskCreate = z.infer<typeof TaskCreate>;

/**
 * One instance of a series, as the workflows create it: a new task's fields, the series' reminders with
 * their ids, and its place in the series (`occurrence`: local YYYY-MM-DD or YYYY-MM-DDTHH:mm).
 */
export const OccurrenceCreate = TaskCreate.omit({ reminders: true }).extend({
  reminders: z.array(Reminder).max(LIMITS.reminders, `at most ${LIMITS.reminders} reminders`),
  seriesId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, 'expected a task id'),
  occurrence: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$/, 'expected YYYY-MM-DD or YYYY-MM-DDTHH:mm'),
});
export type OccurrenceCreate = z.infer<typeof OccurrenceCreate>;

/** What a client sends to change a task: every field optional; `null` clears an optional one. */
export const TaskPatch = z.strictObject({
  title: title.optional(),
  notes: notes.nullable().optional(),
  priority: z.enum(PRIORITIES).optional(),
  tags: tags.optional(),
  due: Due.nullable().optional(),
  reminders: reminders.optional(),
  recurrence: Recurrence.nullable().optional(),
});
export type TaskPatch = z.infer<typeof TaskPatch>;

/** A task as the API shows it. */
export const Task = z.object({
  id: z.string(),
  title: z.string(),
  notes: z.string().optional(),
  status: z.enum(STATUSES),
  priority: z.enum(PRIORITIES),
  tags: z.array(z.string()),
  due: Due.optional(),
  reminders: z.array(Reminder),
  recurrence: Recurrence.optional(),
  seriesId: z.string().optional(),
  occurrence: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  completedAt: z.string().optional(),
  version: z.number().int().positive(),
});
export type Task = z.infer<typeof Task>;

export const PRIORITY_RANK: Record<Priority, number> = { none: 0, low: 1, medium: 2, high: 3 };

const instants = new Map<string, DateTime>();

/**
 * The instant a due stands for, in `ownerZone` when the due is floating. A date without a time is due
 * at the end of that day, so it is not overdue before the day is over.
 */
export function dueInstant(due: Due, ownerZone: string): DateTime {
  const zone = due.tz ?? ownerZone;
  const key = `${due.date}|${due.time ?? ''}|${zone}`;
  let at = instants.get(key);
  if (!at) {
    // The same reading of local times as recurrences (a time in a DST gap moves forward by the gap, an
    // ambiguous one takes the earlier instant). Zone arithmetic costs ~50-150 µs, and lists compute this
    // for every task, so recent answers are kept.
    const [year, month, day] = due.date.split('-').map(Number) as [number, number, number];
    const [hour, minute] = due.time ? (due.time.split(':').map(Number) as [number, number]) : [23, 59];
    const endOfDay = due.time ? 0 : 59_999;
    const ms = wallToInstant(wallOf(year, month, day, hour, minute)!, IANAZone.create(zone)) + endOfDay;
    at = DateTime.fromMillis(ms, { zone });
    if (instants.size >= 10_000) instants.clear();
    instants.set(key, at);
  }
  return at;
}
