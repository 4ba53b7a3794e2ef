import {
  DEFAULT_SCHEDULE,
  dueAnchor,
  isLive,
  nextPlanned,
  parseTimerId,
  reminderFireTimes,
  timerId,
  type ScheduleOptions,
  type TaskEvent,
  type TimerJob,
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
  ruleFrom,
  type ReminderFire,
  type ScheduleOptions,
} from '@todo/core';

/**
 * The timer id of a key stored before timer ids (`task:reminder`, `task#due`, `series#next`, in the
 * embedded timer table and the coordinator's records of 2026-12-05 and before); a timer id as it is.
 * `#` and `:` appear in no task, reminder or series id.
 */
export function fromLegacyKey(key: string): string {
  if (parseTimerId(key)) return key;
  const hash = key.indexOf('#');
  if (hash > 0) {
    const base = key.slice(0, hash);
    const tail = key.slice(hash + 1);
    if (tail === 'due') return timerId({ kind: 'due', taskId: base });
    if (tail === 'next') return timerId({ kind: 'series', seriesId: base });
    return key;
  }
  const colon = key.indexOf(':');
  return colon > 0 && colon < key.length - 1
    ? timerId({ kind: 'reminder', taskId: key.slice(0, colon), reminderId: key.slice(colon + 1) })
    : key;
}

const iso = (d: DateTime) => d.toUTC().toISO()!;

// ---- the coordinator's plan ----

/** What the coordinator remembers of a task: the version applied and the timers it keeps (timer id -> at). */
export interface TaskRecord {
  version: number;
  timers: Record<string, string>;
}

/** The state keys of the coordinator's records (the state store's, or the embedded `state` table's). */
export const recordKey = {
  task: (taskId: string) => `task:${taskId}`,
  series: (seriesId: string) => `series:${seriesId}`,
};

/** A task's record as stored, its timers under their ids (a record from before timer ids is read so). */
export const readTaskRecord = (r: TaskRecord): TaskRecord => ({
  ...r,
  timers: Object.fromEntries(Object.entries(r.timers).map(([key, at]) => [fromLegacyKey(key), at])),
});

/** The instance that drives a series (the newest occurrence seen) and what it planned. */
export interface SeriesRecord {
  taskId: string;
  occurrence: string;
  planned?: { at: string; job: TimerJob };
}

export type Action =
  { op: 'start' | 'update'; key: string; at: string; job: TimerJob } | { op: 'cancel'; key: string };

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

  const wanted = new Map<string, { at: string; job: TimerJob }>();
  if (!gone) {
    for (const f of reminderFireTimes(task, zone, opts)) {
      const job: TimerJob = {
        kind: 'reminder',
        owner,
        taskId: task.id,
        reminderId: f.reminderId,
        fireAt: f.fireAt,
        version: event.version,
        title: task.title,
        ...(task.due ? { due: task.due } : {}),
        zone,
      };
      wanted.set(f.key, { at: f.fireAt, job });
    }
    if (task.seriesId && task.due && isLive(task)) {
      const at = iso(dueAnchor(task.due, zone, opts));
      wanted.set(timerId({ kind: 'due', taskId: task.id }), {
        at,
        job: { kind: 'due', owner, taskId: task.id, at },
      });
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
  const key = timerId({ kind: 'series', seriesId });
  const record: SeriesRecord = { taskId: task.id, occurrence };
  const cancel = { actions: head?.planned ? [{ op: 'cancel', key } as Action] : [], record };
  const planned = event.type === 'task.deleted' ? null : nextPlanned(task, zone, opts);
  if (!planned) return cancel;
  const { at, occurrence: next } = planned;
  const job: TimerJob = {
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
