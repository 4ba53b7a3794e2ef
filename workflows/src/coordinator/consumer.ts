import { eventConsumer } from '@todo/server';
import { TaskEvent } from '@todo/core';
import type { Logger } from 'pino';
import type { TasksReader } from '../deps.ts';
import {
  DEFAULT_SCHEDULE,
  planTaskEvent,
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
}

const taskState = (id: string) => `task:${id}`;
const seriesState = (id: string) => `series:${id}`;

/**
 * The embedded coordinator: turns each task event into schedule and cancel calls on the timers. It
 * remembers per task the version it applied and the timers it set, so a redelivered or older event
 * changes nothing, and per series the instance that drives it.
 */
export function createCoordinator({
  scheduler,
  state,
  tasks,
  logger,
  schedule = DEFAULT_SCHEDULE,
}: CoordinatorDeps) {
  return eventConsumer({ schema: TaskEvent, name: 'coordinator', logger }, async (event) => {
    const seriesId = event.data.task.seriesId;
    const prev = await state.get<TaskRecord>(taskState(event.subject));
    const head = seriesId ? await state.get<SeriesRecord>(seriesState(seriesId)) : undefined;
    const zone = await tasks.ownerZone(event.data.owner);
    const plan = planTaskEvent(event, { prev, head, zone, opts: schedule });
    if (!plan) {
      logger?.debug({ eventId: event.id, version: event.version }, 'coordinator: old event ignored');
      return;
    }
    // Issued together so the timer table commits them (and the record) in one transaction.
    await Promise.all([
      ...plan.actions.map((a) =>
        a.op === 'cancel' ? scheduler.cancel(a.key) : scheduler.schedule(a.key, new Date(a.at), a.job),
      ),
      state.put(taskState(event.subject), plan.record),
      ...(plan.series && seriesId ? [state.put(seriesState(seriesId), plan.series)] : []),
    ]);
    logger?.debug({ eventId: event.id, actions: plan.actions }, 'coordinator: applied');
  });
}

export type Coordinator = ReturnType<typeof createCoordinator>;
