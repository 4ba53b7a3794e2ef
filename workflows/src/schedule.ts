import {
  DEFAULT_SCHEDULE,
  dueAnchor,
  isLive,
  nextPlanned,
  reminderFireTimes,
  reminderKey,
  type ScheduleOptions,
  type TaskEvent,
  type WorkflowRef,
} from '@todo/core';
import type { DateTime } from 'luxon';

// The pure time functions live in @todo/core (the task service's workflow view computes the same times);
// they are re-exported here, where the workflows, the coordinator and their tests have always found them.
export {
  DEFAULT_SCHEDULE,
  carriedReminders,
  carryRule,
  catchUpOccurrence,
  dueAnchor,
  dueOf,
  isLive,
  materialiseAt,
  nextAfterCompletion,
  nextPlanned,
  nextScheduled,
  occurrenceLocal,
  reminderFireTimes,
  reminderKey,
  ruleFrom,
  type ReminderFire,
  type ScheduleOptions,
} from '@todo/core';

export type Job =
  | { kind: 'reminder'; owner: string; taskId: string; reminderId: string; fireAt: string }
  | { kind: 'due'; owner: string; taskId: string; at: string }
  | {
      kind: 'materialise';
      owner: string;
      seriesId: string;
      fromTaskId: string;
      /** The planned occurrence: local wall time as the task's `occurrence` spells it. */
      occurrence: string;
    };

/** `#` can not appear in a reminder id, so these keys never meet a reminder's. */
export const dueKey = (taskId: string) => `${taskId}#due`;
export const seriesKey = (seriesId: string) => `${seriesId}#next`;

/** The timer key of a workflow the management API names (a reminder's or a series'). */
export const refKey = (ref: WorkflowRef) =>
  ref.kind === 'reminder' ? reminderKey(ref.taskId, ref.reminderId) : seriesKey(ref.seriesId);

const iso = (d: DateTime) => d.toUTC().toISO()!;

// ---- the coordinator's plan ----

/** What the coordinator remembers of a task: the version applied and the timers it keeps (key -> at). */
export interface TaskRecord {
  version: number;
  timers: Record<string, string>;
}

/** The instance that drives a series (the newest occurrence seen) and what it planned. */
export interface SeriesRecord {
  taskId: string;
  occurrence: string;
  planned?: { at: string; job: Job };
}

export type Action =
  { op: 'start' | 'update'; key: string; at: string; job: Job } | { op: 'cancel'; key: string };

export interface Plan {
  actions: Action[];
  record: TaskRecord;
  /** The series' new record, when this event concerns the instance that drives it. */
  series?: SeriesRecord;
}

export interface PlanContext {
  prev?: TaskRecord;
  head?: SeriesRecord;
  zone: string;
  opts?: ScheduleOptions;
}

/**
 * What the coordinator does for one task event: start, move or cancel the task's reminder and due
 * timers, and (for the instance that drives a series) plan its next occurrence. Null when the event is
 * not newer than what was applied. A reminder whose fire time was already past at the change is not
 * started (setting one in the past does not ring), unless it was planned before with that same time.
 */
export function planTaskEvent(event: TaskEvent, ctx: PlanContext): Plan | null {
  const { prev, head, zone } = ctx;
  const opts = ctx.opts ?? DEFAULT_SCHEDULE;
  if (prev && prev.version >= event.version) return null;
  const task = event.data.task;
  const owner = event.data.owner;
  const gone = event.type === 'task.deleted';
  const changedAt = Date.parse(event.time);

  const wanted = new Map<string, { at: string; job: Job }>();
  if (!gone) {
    for (const f of reminderFireTimes(task, zone, opts)) {
      const job: Job = {
        kind: 'reminder',
        owner,
        taskId: task.id,
        reminderId: f.reminderId,
        fireAt: f.fireAt,
      };
      wanted.set(f.key, { at: f.fireAt, job });
    }
    if (task.seriesId && task.due && isLive(task)) {
      const at = iso(dueAnchor(task.due, zone, opts));
      wanted.set(dueKey(task.id), { at, job: { kind: 'due', owner, taskId: task.id, at } });
    }
  }
  const actions: Action[] = [];
  const timers: Record<string, string> = {};
  const before = prev?.timers ?? {};
  for (const [key, { at, job }] of wanted) {
    if (before[key] === at) {
      timers[key] = at;
      continue;
    }
    if (Date.parse(at) < changedAt - opts.pastGraceMs) continue;
    actions.push({ op: key in before ? 'update' : 'start', key, at, job });
    timers[key] = at;
  }
  for (const key of Object.keys(before)) if (!(key in timers)) actions.push({ op: 'cancel', key });

  const plan: Plan = { actions, record: { version: event.version, timers } };
  const series = planSeries(event, head, zone, opts);
  if (series) {
    actions.push(...series.actions);
    plan.series = series.record;
  }
  return plan;
}

function planSeries(
  event: TaskEvent,
  head: SeriesRecord | undefined,
  zone: string,
  opts: ScheduleOptions,
): { actions: Action[]; record: SeriesRecord } | null {
  const task = event.data.task;
  const seriesId = task.seriesId;
  const occurrence = task.occurrence;
  if (!seriesId || !occurrence) return null;
  // Only the newest instance drives the series: an older one's change must not move its timer back.
  if (head && head.taskId !== task.id && occurrence <= head.occurrence) return null;
  const key = seriesKey(seriesId);
  const record: SeriesRecord = { taskId: task.id, occurrence };
  const cancel = { actions: head?.planned ? [{ op: 'cancel', key } as Action] : [], record };
  const planned = event.type === 'task.deleted' ? null : nextPlanned(task, zone, opts);
  if (!planned) return cancel;
  const { at, occurrence: next } = planned;
  const job: Job = {
    kind: 'materialise',
    owner: event.data.owner,
    seriesId,
    fromTaskId: task.id,
    occurrence: next,
  };
  record.planned = { at, job };
  const same =
    head?.planned && head.planned.at === at && JSON.stringify(head.planned.job) === JSON.stringify(job);
  // The instance the series' own plan made: its workflow (or timer) already sleeps on the next one,
  // which it planned the same way from this instance (decision 0015). Only edits are sent to it.
  const madeByPlan =
    event.type === 'task.created' &&
    head?.planned?.job.kind === 'materialise' &&
    head.planned.job.occurrence === occurrence;
  if (same || madeByPlan) return { actions: [], record };
  return { actions: [{ op: head?.planned ? 'update' : 'start', key, at, job }], record };
}
