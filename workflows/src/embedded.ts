import {
  systemClock,
  timerId,
  type Clock,
  type TimerJob,
  type WorkflowInspection,
  type WorkflowInspector,
} from '@todo/core';
import type { Logger } from 'pino';
import { createCoordinator } from './coordinator/consumer.ts';
import type { NotificationPublisher, TasksReader, TasksWriter } from './deps.ts';
import { DEFAULT_SCHEDULE, type ScheduleOptions } from './schedule.ts';
import { createTimerActivities, runTimerJob, type TimerActivities } from './timers/activities.ts';
import { createSqliteScheduler } from './timers/scheduler.embedded.ts';
import type { JobRunner, Scheduler } from './timers/scheduler.ts';

export interface EmbeddedWorkflowsOptions {
  /** The timer table's SQLite file (e.g. .data/timers.db). */
  file: string;
  tasks: TasksReader & TasksWriter;
  publisher: NotificationPublisher;
  clock?: Clock;
  logger?: Logger;
  schedule?: ScheduleOptions;
  concurrency?: number;
  retryBaseMs?: number;
}

/**
 * Runs a timer's job with the activities the Dapr workflows call. A series' timer, like its workflow,
 * sets itself again for the occurrence after the one it made (decision 0015).
 */
export function jobRunner(activities: TimerActivities, scheduler: Scheduler): JobRunner {
  return async (job: TimerJob, timer) => {
    const result = await runTimerJob(activities, job);
    if (result.outcome === 'made' && result.next)
      await scheduler.schedule(timer.key, new Date(result.next.at), result.next.job);
  };
}

/**
 * The embedded profile's reminders and series: the durable timer table, the coordinator to subscribe to
 * task events, and the shared activities. Call `start()` once the publisher's consumers are ready.
 */
export function createEmbeddedWorkflows(o: EmbeddedWorkflowsOptions) {
  const clock = o.clock ?? systemClock;
  const schedule = o.schedule ?? DEFAULT_SCHEDULE;
  const timers = createSqliteScheduler({
    file: o.file,
    clock,
    ...(o.logger ? { logger: o.logger } : {}),
    ...(o.concurrency ? { concurrency: o.concurrency } : {}),
    ...(o.retryBaseMs ? { retryBaseMs: o.retryBaseMs } : {}),
  });
  const deps = {
    tasks: o.tasks,
    publisher: o.publisher,
    clock,
    schedule,
    ...(o.logger ? { logger: o.logger } : {}),
  };
  const activities = createTimerActivities(deps);
  const coordinator = createCoordinator({ scheduler: timers, state: timers.state, ...deps });
  /** What the timer table says of each workflow: a waiting timer is a sleeping workflow. */
  const inspector: WorkflowInspector = {
    async inspect(refs) {
      return refs.map((ref): WorkflowInspection => {
        const timer = timers.get(timerId(ref));
        return timer ? { state: 'sleeping', at: new Date(timer.at).toISOString() } : { state: 'none' };
      });
    },
  };
  return {
    /** The task-events consumer: hand it to the local publisher beside the task history. */
    coordinator,
    /** For the task service's workflow view (createApp's `workflows`). */
    inspector,
    timers,
    activities,
    start: () => timers.start(jobRunner(activities, timers)),
    close: () => timers.close(),
  };
}

export type EmbeddedWorkflows = ReturnType<typeof createEmbeddedWorkflows>;
