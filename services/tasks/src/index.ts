export { createApp, type AppDeps } from './app.ts';
export { authLimits, loadEnv, quotas, type Env } from './env.ts';
export { createSqliteStore } from './store/sqlite.ts';
export { createMongoStore } from './store/mongo.ts';
export type { Store } from './store/store.ts';
export { createRelay, type EventPublisher, type Relay } from './outbox/relay.ts';
export { createActivityConsumer } from './history/consumer.ts';
export { createTaskService, type TaskService } from './tasks/service.ts';
export { sessionCheck } from './auth/sessions.ts';
