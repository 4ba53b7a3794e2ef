export * from './schedule.ts';
export * from './deps.ts';
export {
  createActivities as createReminderActivities,
  reminderEventId,
  type FireReminderInput,
  type FireOutcome,
  type ReminderActivities,
  type ReminderActivityDeps,
} from './reminders/activities.ts';
export {
  createActivities as createSeriesActivities,
  occurrenceKey,
  dueEventId,
  type MaterialiseInput,
  type MaterialiseResult,
  type SeriesActivities,
  type SeriesActivityDeps,
} from './series/activities.ts';
export {
  createSqliteScheduler,
  type Scheduler,
  type SqliteScheduler,
  type JobRunner,
  type StateTable,
  type TimerRow,
} from './timers/scheduler.ts';
export { createCoordinator, type Coordinator } from './coordinator/consumer.ts';
export {
  createEmbeddedWorkflows,
  jobRunner,
  type EmbeddedWorkflows,
  type EmbeddedWorkflowsOptions,
} from './embedded.ts';
