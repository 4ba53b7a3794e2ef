// The MongoDB store is not exported here: its driver costs every embedded start ~110 ms of loading for
// nothing; the stack's server.ts imports it from its file.
export { createApp, type AppDeps } from './app.ts';
export { appSettings, loadEnv, type Env } from './env.ts';
export { createSqliteStore } from './store/sqlite.ts';
export type { Store } from './store/store.ts';
export { createRelay, type EventPublisher, type Relay } from './outbox/relay.ts';
export { createHistoryConsumer } from './history/consumer.ts';
export { createTaskService, type TaskService } from './tasks/service.ts';
export { sessionCheck } from './auth/sessions.ts';
export { startIdempotencySweeps, sweepIdempotency } from './tasks/retention.ts';
