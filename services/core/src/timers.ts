import { z } from 'zod';
import { Due } from './task.ts';
import { WorkflowRef } from './workflows.ts';

// A timer is one reminder, one instance's due, or one series' next occurrence. One id names it
// everywhere: the embedded timer table's key, the Dapr workflow instance id and, for the reminders and
// series the management API lists, the `/api/workflows/:id` id. Task, reminder and series ids are
// letters, digits, _ and - (UUIDs and the reminder id pattern), so `~` (unreserved in URLs: no escaping)
// can separate them.

/** Which timer: a workflow the management API names, or an instance's due (which it does not list). */
export const TimerRef = z.discriminatedUnion('kind', [
  ...WorkflowRef.options,
  z.strictObject({ kind: z.literal('due'), taskId: z.string().min(1).max(200) }),
]);
export type TimerRef = z.infer<typeof TimerRef>;

/** The stable id of a timer: `r~{taskId}~{reminderId}`, `d~{taskId}` or `s~{seriesId}`. */
export function timerId(ref: TimerRef): string {
  if (ref.kind === 'reminder') return `r~${ref.taskId}~${ref.reminderId}`;
  return ref.kind === 'due' ? `d~${ref.taskId}` : `s~${ref.seriesId}`;
}

/** The timer an id names, or null when it is not a timer id. */
export function parseTimerId(id: string): TimerRef | null {
  const [tag, a, b, ...rest] = id.split('~');
  if (!a || rest.length > 0) return null;
  if (tag === 'r') return b ? { kind: 'reminder', taskId: a, reminderId: b } : null;
  if (b !== undefined) return null;
  if (tag === 'd') return { kind: 'due', taskId: a };
  return tag === 's' ? { kind: 'series', seriesId: a } : null;
}

// ---- what crosses into a timer's workflow (its input, its `plan` event, its activity's result) ----

const iso = z.iso.datetime({ offset: true });

/** What a timer does when it comes due: fire a reminder, announce a due, make a series' next instance. */
export const TimerJob = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('reminder'),
    owner: z.string(),
    taskId: z.string(),
    reminderId: z.string(),
    fireAt: iso,
    /**
     * What the reminder says, from the task version the plan was made of, and the owner's zone the fire
     * time was computed in: with these the activity fires without reading the task while that version is
     * still the one the coordinator applied (decision 0040). Plans made before, or rebuilt from a record
     * (`restore`), have none, and the activity reads the task.
     */
    version: z.number().int().optional(),
    title: z.string().optional(),
    due: Due.optional(),
    zone: z.string().optional(),
  }),
  z.object({ kind: z.literal('due'), owner: z.string(), taskId: z.string(), at: iso }),
  z.object({
    kind: z.literal('materialise'),
    owner: z.string(),
    seriesId: z.string(),
    fromTaskId: z.string(),
    /** The planned occurrence: local wall time as the task's `occurrence` spells it. */
    occurrence: z.string(),
  }),
]);
export type TimerJob = z.infer<typeof TimerJob>;

/** The kind of timer (and of its workflow) that runs a job. */
export const timerKind = (job: Pick<TimerJob, 'kind'>): TimerRef['kind'] =>
  job.kind === 'materialise' ? 'series' : job.kind;

/** A timer's workflow input, and the payload of its `plan` event: sleep until `at`, then run `job`. */
export const TimerPlan = z.object({
  at: iso,
  job: TimerJob,
  /** Failed runs of the activity so far (it is tried again after a backoff, as a new generation). */
  attempt: z.number().int().min(0).optional(),
  /** The W3C trace context of the change that set the plan; the activity's span continues it. */
  trace: z.string().optional(),
});
export type TimerPlan = z.infer<typeof TimerPlan>;

/**
 * What a timer's activity did, one shape for all three: `fired` (the reminder or due was published: the
 * timer is done), `made` (the series' occurrence exists; `next` is the plan it sleeps on next, none when
 * that waits for a completion), or `stale` (nothing done: the task moved, closed or went, and the
 * coordinator's next plan or cancel is on its way).
 */
export const TimerResult = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('fired') }),
  z.object({ outcome: z.literal('made'), next: TimerPlan.pick({ at: true, job: true }).optional() }),
  z.object({ outcome: z.literal('stale'), reason: z.string() }),
]);
export type TimerResult = z.infer<typeof TimerResult>;

const MadeBefore = z.object({
  outcome: z.literal('created'),
  next: TimerPlan.pick({ at: true, job: true }).optional(),
});

/**
 * An activity's output as a workflow reads it. Histories of workflows that were running when the typed
 * result came (2026-12-06) hold the outputs of before: `'published'` (reminder), `true` (due),
 * `{outcome: 'created', next?}` (series); those read as what they meant. Anything else is stale.
 */
export function readTimerResult(kind: TimerJob['kind'], output: unknown): TimerResult {
  const result = TimerResult.safeParse(output);
  if (result.success) return result.data;
  if (kind !== 'materialise' && (output === 'published' || output === true)) return { outcome: 'fired' };
  const made = kind === 'materialise' ? MadeBefore.safeParse(output) : undefined;
  if (made?.success) return { outcome: 'made', ...(made.data.next ? { next: made.data.next } : {}) };
  return { outcome: 'stale', reason: typeof output === 'string' ? output : 'not done' };
}

/** What a timer's workflow shows as its custom status: sleeping until `at`, or waiting for its next plan. */
export const TimerStatus = z.discriminatedUnion('state', [
  z.object({ state: z.literal('sleeping'), at: z.string() }),
  z.object({ state: z.literal('waiting') }),
]);
export type TimerStatus = z.infer<typeof TimerStatus>;
