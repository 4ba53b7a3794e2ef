import {
  dueInstant,
  nextOccurrence,
  occurrences,
  type Due,
  type Occurrence,
  type RuleInput,
  type Task,
  type TaskEvent,
} from '@todo/core';
import { DateTime, Duration } from 'luxon';

// Pure functions: what a reminder or series should do, given a task and a zone. No clock, no I/O, so the
// Dapr workflows (later) and the embedded coordinator compute the very same times.

/** Choices the product makes about time; tests and the embedded profile may change them. */
export interface ScheduleOptions {
  /** The local time a date-only due is announced at, and that its relative reminders count from. */
  allDayAt: string;
  /** After downtime: `latest` makes one instance (the newest missed occurrence), `each` makes every one. */
  catchUp: 'latest' | 'each';
  /**
   * How far in the past a reminder may be when it is set and still ring: covers an instance created
   * a moment after its reminder's time (it is materialised exactly then) and a slow relay.
   */
  pastGraceMs: number;
}
export const DEFAULT_SCHEDULE: ScheduleOptions = {
  allDayAt: '09:00',
  catchUp: 'latest',
  pastGraceMs: 5 * 60_000,
};

/** A reminder's next firing, keyed `${taskId}:${reminderId}`. `fireAt` is a UTC ISO instant with ms. */
export interface ReminderFire {
  key: string;
  taskId: string;
  reminderId: string;
  fireAt: string;
}

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

export const reminderKey = (taskId: string, reminderId: string) => `${taskId}:${reminderId}`;
/** `#` can not appear in a reminder id, so these keys never meet a reminder's. */
export const dueKey = (taskId: string) => `${taskId}#due`;
export const seriesKey = (seriesId: string) => `${seriesId}#next`;

const iso = (d: DateTime) => d.toUTC().toISO()!;

/** Whether a task may fire reminders and make occurrences at all. */
export function isLive(task: Task): boolean {
  return task.status === 'open' && !task.recurrence?.paused;
}

/**
 * The instant a due is announced and relative reminders count from: its time, or `allDayAt` on its
 * date for a date-only due (the end of the day, which is when such a task becomes overdue, is too late
 * to remind anyone).
 */
export function dueAnchor(due: Due, ownerZone: string, opts: ScheduleOptions = DEFAULT_SCHEDULE): DateTime {
  return dueInstant(due.time ? due : { ...due, time: opts.allDayAt }, ownerZone);
}

/**
 * When each reminder of a task fires: `offset` from the due's anchor, computed in the due's zone (or the
 * owner's, when floating) so that -P1D is "the day before at the same wall time" across a DST change;
 * `at` as given. None for a task that is not open or whose series is paused.
 */
export function reminderFireTimes(
  task: Task,
  ownerZone: string,
  opts: ScheduleOptions = DEFAULT_SCHEDULE,
): ReminderFire[] {
  if (!isLive(task)) return [];
  const out: ReminderFire[] = [];
  for (const r of task.reminders) {
    let at: DateTime;
    if ('at' in r) at = DateTime.fromISO(r.at, { setZone: true });
    else if (task.due) at = dueAnchor(task.due, ownerZone, opts).plus(Duration.fromISO(r.offset));
    else continue;
    if (at.isValid)
      out.push({ key: reminderKey(task.id, r.id), taskId: task.id, reminderId: r.id, fireAt: iso(at) });
  }
  return out;
}

/** The local wall time of an occurrence the way tasks spell `occurrence`: YYYY-MM-DD or YYYY-MM-DDTHH:mm. */
export function occurrenceLocal(o: Occurrence): string {
  return o.local.length > 10 ? o.local.slice(0, 16) : o.local;
}

/** The due of the instance for an occurrence of `task`'s series, keeping the task's zone (or floating). */
export function dueOf(task: Task, occurrence: string): Due {
  const [date, time] = occurrence.split('T') as [string, string | undefined];
  return { date, ...(time ? { time: time.slice(0, 5) } : {}), ...(task.due?.tz ? { tz: task.due.tz } : {}) };
}

/**
 * The rule a series instance carries forward: the instance's own occurrence is the next one's DTSTART,
 * so a COUNT is what is left after this instance (COUNT=1 leaves nothing). UNTIL and EXDATE are absolute.
 */
export function ruleFrom(task: Task): RuleInput | null {
  if (!task.recurrence || !task.occurrence) return null;
  return {
    rrule: task.recurrence.rrule,
    dtstart: task.occurrence,
    ...(task.due?.tz ? { tz: task.due.tz } : {}),
    ...(task.recurrence.exdate ? { exdate: task.recurrence.exdate } : {}),
  };
}

/** The rrule of the next instance: COUNT minus the instance that used one up, or null when none is left. */
export function carryRule(rrule: string): string | null {
  const m = /(^|;)COUNT=(\d+)/i.exec(rrule);
  if (!m) return rrule;
  const left = Number(m[2]) - 1;
  if (left < 1) return null;
  return rrule.replace(/(^|;)COUNT=\d+/i, `$1COUNT=${left}`);
}

/** The occurrence after this instance of a `schedule` series, per its rule from the instance's occurrence. */
export function nextScheduled(task: Task, ownerZone: string): Occurrence | null {
  const rule = ruleFrom(task);
  if (!rule) return null;
  return nextOccurrence(rule, task.occurrence!, ownerZone);
}

/**
 * The occurrence after `doneAt` for an `after-completion` series: the rule read from the day the instance
 * was finished (in the task's zone), at the due's time of day. "Every 3 days after I finish it", finished
 * on the 10th at any hour, gives the 13th.
 */
export function nextAfterCompletion(task: Task, doneAt: string, ownerZone: string): Occurrence | null {
  if (!task.recurrence || !task.due) return null;
  const zone = task.due.tz ?? ownerZone;
  const day = DateTime.fromISO(doneAt, { zone }).toISODate()!;
  const dtstart = task.due.time ? `${day}T${task.due.time}` : day;
  const rrule = task.recurrence.rrule.replace(/(^|;)COUNT=\d+/i, '').replace(/^;/, '');
  return nextOccurrence({ rrule, dtstart, tz: zone }, dtstart, ownerZone);
}

/**
 * When to materialise an occurrence: when it starts (its time, or the start of its day), or earlier
 * when a relative reminder carried to it fires before that, so the instance exists to fire it.
 */
export function materialiseAt(
  task: Task,
  occurrence: string,
  ownerZone: string,
  opts: ScheduleOptions = DEFAULT_SCHEDULE,
): string {
  const due = dueOf(task, occurrence);
  const start = dueInstant(due.time ? due : { ...due, time: '00:00' }, ownerZone);
  const instance: Task = { ...task, status: 'open', due, reminders: carriedReminders(task) };
  const fires = reminderFireTimes(instance, ownerZone, opts).map((f) => DateTime.fromISO(f.fireAt));
  return iso(DateTime.min(start, ...fires));
}

/** Relative reminders travel to every occurrence; an absolute one belongs to its instance only. */
export function carriedReminders(task: Task): Task['reminders'] {
  return task.reminders.filter((r) => 'offset' in r);
}

/**
 * Which occurrence to make when a series' timer fires at `now`, possibly long after `planned`: with
 * `latest`, the newest one that has started by now (one open instance, no pile of missed ones).
 */
export function catchUpOccurrence(
  task: Task,
  planned: string,
  now: Date,
  ownerZone: string,
  opts: ScheduleOptions = DEFAULT_SCHEDULE,
): string {
  const rule = ruleFrom(task);
  if (opts.catchUp === 'each' || !rule) return planned;
  let pick = planned;
  for (const o of occurrences(rule, { after: task.occurrence!, count: 500, floatingZone: ownerZone })) {
    const local = occurrenceLocal(o);
    const due = dueOf(task, local);
    const start = dueInstant(due.time ? due : { ...due, time: '00:00' }, ownerZone);
    if (start.toMillis() > now.getTime()) break;
    if (local >= planned) pick = local;
  }
  return pick;
}

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
  const rec = task.recurrence;
  if (event.type === 'task.deleted' || !rec || rec.paused) return cancel;

  let at: string;
  let next: string;
  if (rec.mode === 'after-completion') {
    if (task.status === 'open') return cancel;
    const doneAt = task.completedAt ?? event.time;
    const o = nextAfterCompletion(task, doneAt, zone);
    if (!o) return cancel;
    next = occurrenceLocal(o);
    at = DateTime.fromISO(doneAt).toUTC().toISO()!;
  } else {
    if (!carryRule(rec.rrule)) return cancel;
    const o = nextScheduled(task, zone);
    if (!o) return cancel;
    next = occurrenceLocal(o);
    at = materialiseAt(task, next, zone, opts);
  }
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
  if (same) return { actions: [], record };
  return { actions: [{ op: head?.planned ? 'update' : 'start', key, at, job }], record };
}
