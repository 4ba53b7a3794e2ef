import {
  ConflictError,
  describeReminder,
  describeRule,
  NotFoundError,
  nextPlanned,
  nextScheduled,
  occurrenceLocal,
  parseQuery,
  parseTimerId,
  reminderFireTimes,
  ruleFrom,
  TaskPatch,
  ValidationError,
  timerId,
  type Clock,
  type Reminder,
  type SnoozeRequest,
  type Task,
  type WorkflowInfo,
  type WorkflowInspector,
  type WorkflowKind,
  type WorkflowRef,
} from '@todo/core';
import { decodeCursor, encodeCursor, parseInput, type Principal } from '@todo/server';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Store } from '../store/store.ts';
import type { TaskService } from '../tasks/service.ts';

export interface WorkflowServiceDeps {
  tasks: TaskService;
  store: Store;
  clock: Clock;
  logger: Logger;
  /** The profile's workflow engine; without it every status is 'unknown'. */
  inspector?: WorkflowInspector;
}

export type WorkflowAction = 'pause' | 'resume' | 'cancel' | 'skip';

const PageCursor = z.object({ v: z.string(), id: z.string() });
type Position = z.infer<typeof PageCursor>;

/** How many of a task's latest activity entries a workflow's detail shows. */
const RECENT = 20;
const WITH_REMINDERS = parseQuery('status:open has:reminder');

/** A workflow and the task it is read from: a reminder's task, or a series' newest instance. */
interface Found {
  ref: WorkflowRef;
  task: Task;
}

/**
 * Workflow management: a view of the owner's reminders and series (the schedule's next time, the engine's
 * state), and actions that are plain task changes through the task service. So every action goes through
 * the outbox to the coordinator, which moves or ends the workflow, the same way in both profiles.
 */
export function createWorkflowService({ tasks, store, clock, logger, inspector }: WorkflowServiceDeps) {
  /** The engine's state of each workflow; 'unknown' for all when it can not be asked. */
  async function withStatus(found: Found[], zone: string): Promise<WorkflowInfo[]> {
    let states: WorkflowInfo['status'][] = found.map(() => 'unknown');
    if (inspector && found.length > 0) {
      try {
        const inspections = await inspector.inspect(found.map((f) => f.ref));
        if (inspections.length !== found.length)
          throw new Error(`${inspections.length} inspections for ${found.length} workflows`);
        states = inspections.map((i) => i.state);
      } catch (err) {
        logger.warn({ err }, 'workflows: the engine could not be asked; status unknown');
      }
    }
    return found.map((f, i) => ({ ...describe(f, zone), status: states[i]! }));
  }

  /** The workflow an id names, or 404. A reminder is found on its task; a series by its newest instance. */
  async function find(user: Principal, id: string): Promise<Found> {
    const ref = parseTimerId(id);
    if (ref?.kind === 'reminder') {
      const task = await store.getTask(user.id, ref.taskId);
      if (task?.reminders.some((r) => r.id === ref.reminderId)) return { ref, task };
    } else if (ref?.kind === 'series') {
      const [head] = await store.seriesHeads(user.id, ref.seriesId);
      if (head) return { ref, task: head };
    }
    throw new NotFoundError('workflow', 'WORKFLOW_NOT_FOUND');
  }

  /** Applies the change `patch` computes from the current task, and answers the workflow as it now is. */
  async function change(
    user: Principal,
    id: string,
    patch: (f: Found) => TaskPatch,
    changeKey?: string,
  ): Promise<WorkflowInfo> {
    const { ref, task } = await find(user, id);
    const updated = await tasks.update(
      user,
      task.id,
      (current) =>
        // Built here rather than sent by a client, so checked as a client's would be (e.g. exdate's limit).
        parseInput(TaskPatch, patch({ ref, task: current }), 'change'),
      undefined,
      changeKey,
    );
    const [info] = await withStatus([{ ref, task: updated }], user.tz);
    return info!;
  }

  const series = (f: Found, action: string) => {
    if (f.ref.kind !== 'series')
      throw new ConflictError(
        'NOT_A_SERIES',
        `${action} acts on a series; a reminder can be snoozed or cancelled`,
      );
    if (!f.task.recurrence)
      throw new ConflictError('SERIES_ENDED', 'the series has ended: it has no recurrence any more');
    return f.task.recurrence;
  };

  return {
    /**
     * One entry per reminder of the owner's open tasks and per series, soonest first (those with no next
     * time, paused or waiting for a completion, after the rest), a page at a time: `next` is the cursor of
     * the following page, absent on the last. Only the page's workflows are asked of the engine.
     */
    async list(
      user: Principal,
      { kind, cursor, limit = 100 }: { kind?: WorkflowKind; cursor?: string; limit?: number } = {},
    ): Promise<{ workflows: WorkflowInfo[]; next?: string }> {
      const found: Found[] = [];
      if (kind !== 'series') {
        for (const task of await tasks.all(user, WITH_REMINDERS))
          for (const r of task.reminders)
            found.push({ ref: { kind: 'reminder', taskId: task.id, reminderId: r.id }, task });
      }
      if (kind !== 'reminder') {
        // An ended series (its recurrence removed) has nothing left to manage.
        for (const head of await store.seriesHeads(user.id))
          if (head.recurrence) found.push({ ref: { kind: 'series', seriesId: head.seriesId! }, task: head });
      }
      // Keyset order: the next time, then the workflow id; a cursor is the last (v, id) of its page.
      const order = (a: Position, b: Position) => a.v.localeCompare(b.v) || a.id.localeCompare(b.id);
      const keyed = found
        .map((f) => ({ f, v: describe(f, user.tz).nextAt ?? '~', id: timerId(f.ref) }))
        .sort(order);
      const k = kind ?? 'all';
      const after = cursor && decodeCursor(cursor, PageCursor.extend({ k: z.literal(k) }), 'this list');
      const rest = after ? keyed.filter((e) => order(e, after) > 0) : keyed;
      const page = rest.slice(0, limit);
      const last = page.at(-1);
      return {
        workflows: await withStatus(
          page.map((e) => e.f),
          user.tz,
        ),
        ...(rest.length > limit && last ? { next: encodeCursor({ k, v: last.v, id: last.id }) } : {}),
      };
    },

    /** One workflow, with its task's latest activity, newest first. */
    async get(user: Principal, id: string) {
      const found = await find(user, id);
      const [[info], activity] = await Promise.all([
        withStatus([found], user.tz),
        store.listActivity(user.id, found.task.id),
      ]);
      const recent = activity
        .slice(-RECENT)
        .reverse()
        .map(({ taskId: _t, ...entry }) => entry);
      return { ...info!, recent };
    },

    /** Pause, resume, skip the next occurrence of a series; cancel a reminder or end a series. */
    act(user: Principal, id: string, action: WorkflowAction, changeKey?: string): Promise<WorkflowInfo> {
      return change(
        user,
        id,
        (f) => {
          if (action === 'cancel') {
            if (f.ref.kind === 'series') return { recurrence: null };
            const reminderId = f.ref.reminderId;
            return { reminders: f.task.reminders.filter((r) => r.id !== reminderId) };
          }
          const rec = series(f, action);
          if (action === 'pause') return { recurrence: { ...rec, paused: true } };
          if (action === 'resume') {
            const { paused: _p, ...running } = rec;
            return { recurrence: running };
          }
          if (rec.mode === 'after-completion') {
            throw new ConflictError(
              'NOT_SKIPPABLE',
              'an after-completion series plans its next occurrence when this one is done: skip the open instance (POST /api/tasks/:id/skip)',
            );
          }
          const next = nextScheduled(f.task, user.tz);
          if (!next) throw new ConflictError('NOTHING_TO_SKIP', 'the series has no next occurrence');
          // Tasks keep exdates as local date-times; for an all-day series only the date counts.
          const local = occurrenceLocal(next);
          const exdate = local.length === 10 ? `${local}T00:00` : local;
          return { recurrence: { ...rec, exdate: [...(rec.exdate ?? []), exdate] } };
        },
        changeKey,
      );
    },

    /** Rings a reminder no earlier than `minutes` from now or `until`. */
    snooze(user: Principal, id: string, body: SnoozeRequest, changeKey?: string): Promise<WorkflowInfo> {
      const now = clock.now().getTime();
      const until = 'until' in body ? Date.parse(body.until) : now + body.minutes * 60_000;
      if ('until' in body && until <= now)
        throw new ValidationError('a snooze ends in the future', [
          { path: 'until', issue: 'must be after now' },
        ]);
      const snoozedUntil = new Date(until).toISOString();
      return change(
        user,
        id,
        (f) => {
          if (f.ref.kind !== 'reminder')
            throw new ConflictError(
              'NOT_A_REMINDER',
              'only a reminder can be snoozed; a series can be paused',
            );
          const reminderId = f.ref.reminderId;
          return {
            reminders: f.task.reminders.map((r): Reminder =>
              r.id === reminderId ? { ...r, snoozedUntil } : r,
            ),
          };
        },
        changeKey,
      );
    },
  };
}

export type WorkflowService = ReturnType<typeof createWorkflowService>;

/** The workflow as the schedule sees it (everything but the engine's state). */
function describe({ ref, task }: Found, zone: string): Omit<WorkflowInfo, 'status'> {
  const base = {
    id: timerId(ref),
    kind: ref.kind,
    taskId: task.id,
    title: task.title,
    paused: Boolean(task.recurrence?.paused),
  };
  if (ref.kind === 'reminder') {
    const reminder = task.reminders.find((r) => r.id === ref.reminderId);
    const fire = reminderFireTimes(task, zone).find((f) => f.reminderId === ref.reminderId);
    return {
      ...base,
      reminderId: ref.reminderId,
      ...(fire ? { nextAt: fire.fireAt } : {}),
      ...(reminder ? { detail: describeReminder(reminder) } : {}),
    };
  }
  const next = nextPlanned(task, zone);
  const rule = ruleFrom(task);
  const words = [
    ...(rule ? [describeRule(rule)] : []),
    ...(task.recurrence?.mode === 'after-completion' ? ['counted from each completion'] : []),
    ...(next ? [`next: ${next.occurrence.replace('T', ' ')}`] : []),
  ];
  return {
    ...base,
    seriesId: ref.seriesId,
    ...(next ? { nextAt: next.at } : {}),
    ...(words.length ? { detail: words.join('; ') } : {}),
  };
}
