import { PRIORITIES, SORT_KEYS } from '@todo/core';
import { IANAZone } from 'luxon';
import { z } from 'zod';

/**
 * The parser's output: what one chat message asks for. This schema is the contract the chat service,
 * the CLI (`npm run chat:parse`) and scripts rely on; the parser's own tests validate every result with it.
 */

export const INTENTS = [
  'add',
  'list',
  'search',
  'complete',
  'reopen',
  'delete',
  'rename',
  'reschedule',
  'update',
  'tag',
  'untag',
  'remind',
  'snooze',
  'recur',
  'recur-stop',
  'skip',
  'pause',
  'resume',
  'undo',
  'help',
  'clarify',
] as const;
export type Intent = (typeof INTENTS)[number];

// The task's priorities and the list sort keys are core's: the parser names what the API takes.
export type { Priority, SortKey as Sort } from '@todo/core';

/**
 * Why the parser asks instead of acting. Stable codes: the service turns them into a question.
 * An addition to the contract: a "clarify" without a reason would leave the service guessing
 * what to ask.
 */
export const CLARIFY_REASONS = [
  /** Nothing to act on: blank, punctuation or emoji only. */
  'empty',
  /** Words we could not read as any request. */
  'not-understood',
  /** "next friday" said early in a week: this week's or next week's? */
  'ambiguous-date',
  /** "every month on the 31st": skip short months, or use their last day? */
  'ambiguous-month-day',
  /** "twice a week", "3 times a month": which days? */
  'ambiguous-frequency',
  /** Every N minutes: more often than a task can repeat. */
  'too-frequent',
  /** A date was given but no task title ("tomorrow at 5"). */
  'missing-title',
  /** "remind me to call mom": when? */
  'missing-time',
  /** "move it": to when? */
  'missing-date',
  /** "delete": which task? */
  'missing-task',
  /** "rename it": to what? "tag it": with which tag? */
  'missing-value',
  /** "search": for what? */
  'missing-query',
  /** "push it back 2 days": needs the task's current due date, which only the service knows. */
  'relative-to-due',
  /** A date that does not exist ("feb 30"). */
  'invalid-date',
  /** "make gym weekly": a new task "make gym", or the task "gym" made weekly? */
  'new-or-existing',
  /** "at 8am and 8pm every day": one repeating task has one time of day. */
  'several-times',
] as const;
export type ClarifyReason = (typeof CLARIFY_REASONS)[number];

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/);
const localDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T([01]\d|2[0-3]):[0-5]\d$/);
/** An ISO 8601 duration as the core accepts it: -PT15M, -P1D, PT0S, -P1W, -PT1H30M. */
const isoDuration = z.string().regex(/^-?P(?!$)(\d+W)?(\d+D)?(T(?!$)(\d+H)?(\d+M)?(\d+S)?)?$/);

export const Due = z.strictObject({ date: isoDate, time: hhmm.optional() });
export type Due = z.infer<typeof Due>;

export const Recurrence = z.strictObject({
  rrule: z.string().regex(/^FREQ=(HOURLY|DAILY|WEEKLY|MONTHLY|YEARLY)(;[A-Z]+=[A-Z0-9,+-]+)*$/),
  mode: z.enum(['schedule', 'after-completion']),
  until: isoDate.optional(),
  /** Dates left out of the series ("except dec 25"): an addition to the contract, as core's EXDATE. */
  exdate: z
    .array(z.union([isoDate, localDateTime]))
    .min(1)
    .optional(),
});
export type Recurrence = z.infer<typeof Recurrence>;

export const Reminder = z.union([
  z.strictObject({ offset: isoDuration }),
  z.strictObject({ at: localDateTime }),
]);
export type Reminder = z.infer<typeof Reminder>;

export const Filter = z.strictObject({
  status: z.enum(['open', 'done']).optional(),
  priority: z.enum(PRIORITIES).optional(),
  tags: z.array(z.string().min(1)).min(1).optional(),
  due: z
    .union([
      z.strictObject({ from: isoDate.optional(), to: isoDate.optional() }),
      z.literal('overdue'),
      z.literal('none'),
    ])
    .optional(),
});
export type Filter = z.infer<typeof Filter>;

export const ParseResult = z.strictObject({
  intent: z.enum(INTENTS),
  title: z.string().min(1).optional(),
  ref: z.string().min(1).optional(),
  priority: z.enum(PRIORITIES).optional(),
  tags: z.array(z.string().min(1)).min(1).optional(),
  due: Due.optional(),
  recurrence: Recurrence.optional(),
  reminders: z.array(Reminder).min(1).optional(),
  occurrences: z.array(z.union([isoDate, localDateTime])).optional(),
  filter: Filter.optional(),
  query: z.string().optional(),
  text: z.string().min(1).optional(),
  sort: z.enum(SORT_KEYS).optional(),
  duration: isoDuration.optional(),
  needsConfirmation: z.literal(true).optional(),
  /** update: the note to add ("add a note to it: bring the card"). An addition to the contract. */
  notes: z.string().min(1).optional(),
  /** clarify: why it asks. An addition to the contract. */
  reason: z.enum(CLARIFY_REASONS).optional(),
});
export type ParseResult = z.infer<typeof ParseResult>;

/** When and where a message was written: the owner's local wall time and IANA zone. */
export const ParseContext = z.strictObject({
  now: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'expected a local date-time as YYYY-MM-DDTHH:mm'),
  tz: z.string().refine((s) => IANAZone.isValidZone(s), 'not an IANA time zone (e.g. Europe/Berlin)'),
});
export type ParseContext = z.infer<typeof ParseContext>;

/** The order keys are printed in, so the CLI's JSON reads the same way every time. */
export const KEY_ORDER = Object.keys(ParseResult.shape) as (keyof ParseResult)[];
