import { eventConsumer } from '@todo/server';
import { parseTimerId, TaskEvent, timerId, type TimerJob } from '@todo/core';
import type { Logger } from 'pino';
import type { TasksReader } from '../deps.ts';
import {
  DEFAULT_SCHEDULE,
  planTaskEvent,
  readTaskRecord,
  recordKey,
  type Action,
  type ScheduleOptions,
  type SeriesRecord,
  type TaskRecord,
} from '../schedule.ts';
import type { Scheduler, StateTable } from '../timers/scheduler.ts';

export interface CoordinatorDeps {
  scheduler: Scheduler;
  state: StateTable;
  tasks: Pick<TasksReader, 'ownerZone'>;
  logger?: Logger;
  schedule?: ScheduleOptions;
  /**
   * How long the records of a deleted task (and of a series it ended) are kept to turn away its late
   * events: longer than any of them can come again (task-events keeps 7 days, its dead letters 30).
   */
  deletedRetentionSeconds?: number;
}

export const DELETED_RETENTION_SECONDS = 35 * 24 * 60 * 60;
/** Rounds of read, plan, apply, record for one event before it asks for redelivery. */
const ROUNDS = 5;

/**
 * The coordinator (both profiles): turns each task event into schedule and cancel calls. It remembers
 * per task the version it applied and the timers it set, so a redelivered or older event changes
 * nothing, and per series the instance that drives it.
 *
 * It applies, then records: a record is written only after its timers are set, so an event whose calls
 * failed is applied again when it comes again, never taken for an old one. Records are written on the
 * version read (ETag): when another event of the task or series got in between (a dead letter drained
 * beside a live event, another replica), the round starts again from the records as they are now, and
 * the timers this event had already changed are put back to what the newer record wants.
 */
export function createCoordinator({
  scheduler,
  state,
  tasks,
  logger,
  schedule = DEFAULT_SCHEDULE,
  deletedRetentionSeconds = DELETED_RETENTION_SECONDS,
}: CoordinatorDeps) {
  const apply = (actions: Action[]) =>
    Promise.all(
      actions.map((a) =>
        a.op === 'cancel' ? scheduler.cancel(a.key) : scheduler.schedule(a.key, new Date(a.at), a.job),
      ),
    );

  return eventConsumer({ schema: TaskEvent, name: 'coordinator', logger }, async (event) => {
    const { owner, task } = event.data;
    const seriesId = task.seriesId;
    const zone = await tasks.ownerZone(owner);
    const retention = event.type === 'task.deleted' ? { ttlSeconds: deletedRetentionSeconds } : {};
    const touched: Action[] = [];
    for (let round = 1; ; round++) {
      const stored = await state.get<TaskRecord>(recordKey.task(event.subject));
      const prev = stored && { ...stored, value: readTaskRecord(stored.value) };
      const head = seriesId ? await state.get<SeriesRecord>(recordKey.series(seriesId)) : undefined;
      const plan = planTaskEvent(event, { prev: prev?.value, head: head?.value, zone, opts: schedule });
      if (!plan) {
        if (touched.length > 0) {
          await apply(restore(touched, { owner, task, record: prev?.value, head: head?.value }));
        }
        logger?.debug({ eventId: event.id, version: event.version }, 'coordinator: old event ignored');
        return;
      }
      await apply(plan.actions);
      touched.push(...plan.actions);
      // The series first: when it was changed meanwhile, nothing of this round is recorded yet.
      const seriesDone =
        !plan.series ||
        !seriesId ||
        (await state.put(recordKey.series(seriesId), plan.series, { etag: head?.etag, ...retention }));
      const done =
        seriesDone &&
        (await state.put(recordKey.task(event.subject), plan.record, { etag: prev?.etag, ...retention }));
      if (done) {
        logger?.debug({ eventId: event.id, actions: plan.actions }, 'coordinator: applied');
        return;
      }
      if (round === ROUNDS) throw new Error(`records of task ${task.id} kept changing (${ROUNDS} rounds)`);
      logger?.debug({ eventId: event.id, round }, 'coordinator: record changed meanwhile, again');
    }
  });
}

/**
 * The calls that set the timers an event touched back to what the stored records want: a newer event
 * recorded its plan while this one was applying an older one.
 */
export function restore(
  touched: Action[],
  {
    owner,
    task,
    record,
    head,
  }: {
    owner: string;
    task: { id: string; seriesId?: string | undefined };
    record: TaskRecord | undefined;
    head: SeriesRecord | undefined;
  },
): Action[] {
  const keys = new Set(touched.map((a) => a.key));
  return [...keys].map((key): Action => {
    // The one series key an event touches is its own series'.
    if (task.seriesId && key === timerId({ kind: 'series', seriesId: task.seriesId })) {
      const planned = head?.planned;
      return planned ? { op: 'update', key, at: planned.at, job: planned.job } : { op: 'cancel', key };
    }
    const at = record?.timers[key];
    if (at === undefined) return { op: 'cancel', key };
    const ref = parseTimerId(key);
    const taskId = task.id;
    const job: TimerJob =
      ref?.kind === 'reminder'
        ? { kind: 'reminder', owner, taskId, reminderId: ref.reminderId, fireAt: at }
        : { kind: 'due', owner, taskId, at };
    return { op: 'update', key, at, job };
  });
}

export type Coordinator = ReturnType<typeof createCoordinator>;
