export * from './schedule.ts';
export * from './deps.ts';
export {
  createTimerActivities,
  reminderEventId,
  occurrenceKey,
  dueEventId,
  type FireReminderInput,
  type FireOutcome,
  type MaterialiseInput,
  type MaterialiseResult,
  type TimerActivities,
  type TimerActivityDeps,
} from './timers/activities.ts';
export type { Scheduler, JobRunner, StateTable } from './timers/scheduler.ts';
export { createSqliteScheduler, type SqliteScheduler, type TimerRow } from './timers/scheduler.embedded.ts';
export { createCoordinator, type Coordinator } from './coordinator/consumer.ts';
export {
  createEmbeddedWorkflows,
  jobRunner,
  type EmbeddedWorkflows,
  type EmbeddedWorkflowsOptions,
} from './embedded.ts';
