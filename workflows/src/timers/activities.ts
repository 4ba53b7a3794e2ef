import {
  ReminderDue,
  TaskDue,
  timerId,
  type Clock,
  type Task,
  type TimerJob,
  type TimerResult,
} from '@todo/core';
import type { Logger } from 'pino';
import { deterministicId, type NotificationPublisher, type TasksReader, type TasksWriter } from '../deps.ts';
import {
  carriedReminders,
  carryRule,
  catchUpOccurrence,
  DEFAULT_SCHEDULE,
  dueAnchor,
  dueOf,
  isLive,
  nextAfterCompletion,
  nextPlanned,
  nextScheduled,
  occurrenceLocal,
  readTaskRecord,
  recordKey,
  reminderFireTimes,
  type ScheduleOptions,
  type TaskRecord,
} from '../schedule.ts';
import type { StateTable } from './scheduler.ts';

export interface TimerActivityDeps {
  tasks: TasksReader & TasksWriter;
  publisher: NotificationPublisher;
  clock: Clock;
  logger?: Logger;
  schedule?: ScheduleOptions;
  /**
   * The coordinator's records (the stack, where a task read crosses two sidecars): a reminder whose plan
   * carries its task version fires without reading the task while that version is the one the
   * coordinator applied and still wants this fire time (decision 0040). Without it, every firing reads.
   */
  records?: Pick<StateTable, 'get'>;
}

/** A reminder timer's job: which reminder at which fire time (UTC ISO), and what its plan carried. */
export type FireReminderInput = Omit<Extract<TimerJob, { kind: 'reminder' }>, 'kind'>;

/** Why a reminder fired or did not; anything but `published` means the timer was stale. */
export type FireOutcome = 'published' | 'gone' | 'closed' | 'paused' | 'removed' | 'moved';

/** The id of the `reminder.due` event for one firing: the same for every replay of it. */
export const reminderEventId = (taskId: string, reminderId: string, fireAt: string) =>
  deterministicId('reminder', taskId, reminderId, new Date(fireAt).toISOString());

export interface MaterialiseInput {
  owner: string;
  seriesId: string;
  /** The instance whose rule (or completion) gave the occurrence. */
  fromTaskId: string;
  occurrence: string;
}

export type MaterialiseResult =
  | {
      outcome: 'created';
      task: Task;
      occurrence: string;
      announced: boolean;
      /**
       * The series' next plan, from the instance just made: what its workflow sleeps on next. None when
       * the next occurrence waits for this one's completion (after-completion), or the rule is over.
       */
      next?: { at: string; job: TimerJob };
    }
  | { outcome: 'stale'; reason: string };

/** The idempotency key of an instance: one per series and occurrence, whoever asks and however often. */
export const occurrenceKey = (seriesId: string, occurrence: string) => `${seriesId}@${occurrence}`;

/** The id of the `task.due` event of an instance due at `at`: the same for every replay. */
export const dueEventId = (taskId: string, at: string) =>
  deterministicId('due', taskId, new Date(at).toISOString());

/**
 * The activities the timers run, in both profiles: the embedded timer table calls them in-process, the
 * Dapr workflows through the worker.
 */
export function createTimerActivities({
  tasks,
  publisher,
  clock,
  logger,
  schedule = DEFAULT_SCHEDULE,
  records,
}: TimerActivityDeps) {
  async function announce(owner: string, task: Task, zone: string): Promise<boolean> {
    if (!task.due || !isLive(task)) return false;
    const at = dueAnchor(task.due, zone, schedule);
    if (at.toMillis() > clock.now().getTime()) return false;
    const time = at.toUTC().toISO()!;
    await publisher.publish(
      TaskDue.parse({
        id: dueEventId(task.id, time),
        type: 'task.due',
        time,
        subject: task.id,
        version: task.version,
        data: {
          owner,
          taskId: task.id,
          title: task.title,
          due: task.due,
          ...(task.occurrence ? { occurrence: task.occurrence } : {}),
        },
      }),
    );
    return true;
  }

  /**
   * The task as the reminder's plan carries it, if the plan is still what the task wants by the
   * coordinator's record alone: the record is at the version the plan was made of (no change of the task
   * has been applied since), it keeps this timer at this fire time, and the owner's zone is the one the
   * time was computed in. Undefined otherwise: the task must be read.
   */
  async function fromPlan({ version, title, due, zone, ...input }: FireReminderInput) {
    if (!records || version === undefined || title === undefined || !zone) return undefined;
    const stored = await records.get<TaskRecord>(recordKey.task(input.taskId));
    if (!stored) return undefined;
    const record = readTaskRecord(stored.value);
    const at =
      record.timers[timerId({ kind: 'reminder', taskId: input.taskId, reminderId: input.reminderId })];
    if (record.version !== version || !at || Date.parse(at) !== Date.parse(input.fireAt)) return undefined;
    if ((await tasks.ownerZone(input.owner)) !== zone) return undefined;
    return { id: input.taskId, version, title, due };
  }

  async function publishReminder(
    input: FireReminderInput,
    task: Pick<Task, 'id' | 'version' | 'title' | 'due'>,
  ): Promise<void> {
    const fireAt = new Date(input.fireAt).toISOString();
    await publisher.publish(
      ReminderDue.parse({
        id: reminderEventId(task.id, input.reminderId, fireAt),
        type: 'reminder.due',
        time: fireAt,
        subject: task.id,
        version: task.version,
        data: {
          owner: input.owner,
          taskId: task.id,
          reminderId: input.reminderId,
          title: task.title,
          fireAt,
          ...(task.due ? { due: task.due } : {}),
        },
      }),
    );
  }

  return {
    /**
     * Publishes `reminder.due` if the task is still open, its series not paused, and the reminder still
     * there with the same fire time; otherwise does nothing (a newer timer, if any, was set by then).
     */
    async fireReminder(input: FireReminderInput): Promise<FireOutcome> {
      const planned = await fromPlan(input);
      if (planned) {
        await publishReminder(input, planned);
        return 'published';
      }
      const task = await tasks.getTask(input.owner, input.taskId);
      const outcome: FireOutcome = await (async () => {
        if (!task) return 'gone';
        if (task.status !== 'open') return 'closed';
        if (task.recurrence?.paused) return 'paused';
        if (!task.reminders.some((r) => r.id === input.reminderId)) return 'removed';
        const zone = await tasks.ownerZone(input.owner);
        const fire = reminderFireTimes(task, zone, schedule).find((f) => f.reminderId === input.reminderId);
        if (!fire || Date.parse(fire.fireAt) !== Date.parse(input.fireAt)) return 'moved';
        return 'published';
      })();
      if (outcome !== 'published' || !task) {
        logger?.debug({ ...input, outcome }, 'reminder: not fired');
        return outcome;
      }
      await publishReminder(input, task);
      return 'published';
    },

    /**
     * Creates the planned instance of a series (or, after downtime, the newest missed one per the
     * catch-up policy) with an idempotency key of series id and occurrence, then announces it when it
     * is already due. Does nothing when the plan is stale: the instance is gone, paused, or its rule or
     * completion now gives another occurrence.
     */
    async materialiseOccurrence(input: MaterialiseInput): Promise<MaterialiseResult> {
      const from = await tasks.getTask(input.owner, input.fromTaskId);
      const stale = (reason: string): MaterialiseResult => {
        logger?.debug({ ...input, reason }, 'series: plan is stale, nothing made');
        return { outcome: 'stale', reason };
      };
      if (!from) return stale('instance gone');
      const rec = from.recurrence;
      if (!rec || from.seriesId !== input.seriesId) return stale('not recurring');
      if (rec.paused) return stale('paused');
      const zone = await tasks.ownerZone(input.owner);
      let occurrence = input.occurrence;
      let rrule: string | null = rec.rrule;
      if (rec.mode === 'after-completion') {
        if (from.status === 'open') return stale('reopened');
        const o = nextAfterCompletion(from, from.completedAt ?? from.updatedAt, zone);
        if (!o || occurrenceLocal(o) !== input.occurrence) return stale('completion moved');
      } else {
        const o = nextScheduled(from, zone);
        if (!o || occurrenceLocal(o) !== input.occurrence) return stale('rule changed');
        occurrence = catchUpOccurrence(from, input.occurrence, clock.now(), zone, schedule);
        rrule = carryRule(rec.rrule);
        if (!rrule) return stale('count used up');
        // Each occurrence skipped by the catch-up (the planned one and any after it) uses up a COUNT too.
        if (occurrence !== input.occurrence) {
          const skipped = 1 + countBetween(from, input.occurrence, occurrence, zone);
          for (let i = 0; i < skipped && rrule; i++) rrule = carryRule(rrule);
          if (!rrule) return stale('count used up');
        }
      }
      const task = await tasks.createOccurrence(input.owner, occurrenceKey(input.seriesId, occurrence), {
        title: from.title,
        ...(from.notes !== undefined ? { notes: from.notes } : {}),
        priority: from.priority,
        tags: from.tags,
        due: dueOf(from, occurrence),
        reminders: carriedReminders(from),
        recurrence: { ...rec, rrule },
        seriesId: input.seriesId,
        occurrence,
      });
      const announced = await announce(input.owner, task, zone);
      const planned = nextPlanned(task, zone, schedule);
      const next = planned && {
        at: planned.at,
        job: {
          kind: 'materialise' as const,
          owner: input.owner,
          seriesId: input.seriesId,
          fromTaskId: task.id,
          occurrence: planned.occurrence,
        },
      };
      return { outcome: 'created', task, occurrence, announced, ...(next ? { next } : {}) };
    },

    /** Publishes `task.due` for an instance whose due came, if it is still open and due at `at`. */
    async announceDue(input: { owner: string; taskId: string; at: string }): Promise<boolean> {
      const task = await tasks.getTask(input.owner, input.taskId);
      if (!task?.due || !isLive(task)) return false;
      const zone = await tasks.ownerZone(input.owner);
      if (dueAnchor(task.due, zone, schedule).toMillis() !== Date.parse(input.at)) return false;
      return announce(input.owner, task, zone);
    },
  };
}

/** How many occurrences lie strictly between two of a series (the ones a catch-up leaves out). */
function countBetween(from: Task, planned: string, picked: string, zone: string): number {
  let n = 0;
  let cur: Task = { ...from, occurrence: planned };
  for (;;) {
    const o = nextScheduled(cur, zone);
    if (!o || occurrenceLocal(o) >= picked) return n;
    n++;
    cur = { ...cur, occurrence: occurrenceLocal(o) };
  }
}

export type TimerActivities = ReturnType<typeof createTimerActivities>;

/**
 * Runs a timer's job with its activity and answers the one result both profiles read: the workflow
 * (through the worker) and the embedded timer table.
 */
export async function runTimerJob(activities: TimerActivities, job: TimerJob): Promise<TimerResult> {
  switch (job.kind) {
    case 'reminder': {
      const outcome = await activities.fireReminder(job);
      return outcome === 'published' ? { outcome: 'fired' } : { outcome: 'stale', reason: outcome };
    }
    case 'due':
      return (await activities.announceDue(job))
        ? { outcome: 'fired' }
        : { outcome: 'stale', reason: 'not due or not open' };
    case 'materialise': {
      const made = await activities.materialiseOccurrence(job);
      if (made.outcome === 'stale') return made;
      return { outcome: 'made', ...(made.next ? { next: made.next } : {}) };
    }
  }
}
