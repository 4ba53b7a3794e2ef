import { DateTime, Duration } from 'luxon';
import { nextOccurrence, occurrences, type Occurrence, type RuleInput } from './recurrence/index.ts';
import { dueInstant, type Due, type Reminder, type Task } from './task.ts';
import { timerId } from './timers.ts';

// Pure functions: what a reminder or series should do, given a task and a zone. No clock, no I/O, so the
// workflows, the embedded coordinator and the task service's workflow view compute the very same times.

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

/** A reminder's next firing, keyed by its timer id. `fireAt` is a UTC ISO instant with ms. */
export interface ReminderFire {
  key: string;
  taskId: string;
  reminderId: string;
  fireAt: string;
}

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
 * `at` as given; never before a snooze's `snoozedUntil`. None for a task that is not open or whose
 * series is paused.
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
    if (r.snoozedUntil) at = DateTime.max(at, DateTime.fromISO(r.snoozedUntil));
    if (at.isValid)
      out.push({
        key: timerId({ kind: 'reminder', taskId: task.id, reminderId: r.id }),
        taskId: task.id,
        reminderId: r.id,
        fireAt: iso(at),
      });
  }
  return out;
}

/** A reminder in words: "30 minutes before the due", "at 2026-12-01T08:00:00Z", and its snooze. */
export function describeReminder(r: Reminder): string {
  let text: string;
  if ('at' in r) text = `at ${r.at}`;
  else {
    const d = Duration.fromISO(r.offset);
    const ms = d.toMillis();
    text =
      ms === 0
        ? 'at the due'
        : `${(ms < 0 ? d.negate() : d).toHuman()} ${ms < 0 ? 'before' : 'after'} the due`;
  }
  return r.snoozedUntil ? `${text}, snoozed until ${r.snoozedUntil}` : text;
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

/**
 * Relative reminders travel to every occurrence, unsnoozed (a snooze belongs to the instance it was
 * given on); an absolute one belongs to its instance only.
 */
export function carriedReminders(task: Task): Task['reminders'] {
  return task.reminders.filter((r) => 'offset' in r).map(({ snoozedUntil: _s, ...r }) => r);
}

/**
 * The occurrence a series plans next from this instance, and when its workflow acts on it: for
 * `schedule`, when the instance is materialised; for `after-completion`, right at the completion (or
 * skip). Null when it plans none: not recurring, paused, not yet finished (after-completion), or over.
 */
export function nextPlanned(
  task: Task,
  ownerZone: string,
  opts: ScheduleOptions = DEFAULT_SCHEDULE,
): { occurrence: string; at: string } | null {
  const rec = task.recurrence;
  if (!rec || rec.paused) return null;
  if (rec.mode === 'after-completion') {
    if (task.status === 'open') return null;
    // A skipped instance has no completedAt: its change (updatedAt, the event's time) finished it.
    const doneAt = task.completedAt ?? task.updatedAt;
    const o = nextAfterCompletion(task, doneAt, ownerZone);
    return o ? { occurrence: occurrenceLocal(o), at: iso(DateTime.fromISO(doneAt)) } : null;
  }
  if (!carryRule(rec.rrule)) return null;
  const o = nextScheduled(task, ownerZone);
  if (!o) return null;
  const occurrence = occurrenceLocal(o);
  return { occurrence, at: materialiseAt(task, occurrence, ownerZone, opts) };
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
