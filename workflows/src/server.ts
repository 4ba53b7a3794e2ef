import { DaprWorkflowClient } from '@dapr/dapr';
import { systemClock } from '@todo/core';
import { internalAddress, listenService, waitForSidecar } from '@todo/server';
import { pino } from 'pino';
import { createCoordinator } from './coordinator/consumer.ts';
import { createWorkflowsApp } from './dapr/app.ts';
import { daprLive, daprNotificationPublisher, daprStateTable, daprTasks } from './dapr/clients.ts';
import { createReconciler } from './dapr/reconciler.ts';
import { createDaprScheduler } from './timers/scheduler.dapr.ts';
import { createWorker, routeConsoleTo } from './dapr/worker.ts';
import { loadEnv } from './env.ts';
import { createTimerActivities } from './timers/activities.ts';

// The workflows app beside its daprd (the `dapr` profile): the Dapr Workflow worker with the reminder,
// due and series workflows, the coordinator on task-events, and the reconciler on the cron binding.
const env = loadEnv();
const logger = pino({ level: env.LOG_LEVEL, base: { service: 'workflows' } });
routeConsoleTo(logger);
const sidecar = { http: env.DAPR_HTTP_ENDPOINT, apiToken: env.DAPR_API_TOKEN };
await waitForSidecar(sidecar);

const grpc = new URL(env.DAPR_GRPC_ENDPOINT);
const tasks = daprTasks(sidecar);
const deps = { tasks, publisher: daprNotificationPublisher(sidecar), clock: systemClock, logger };
const worker = createWorker({
  grpcAddress: grpc.host,
  ...(env.DAPR_API_TOKEN ? { apiToken: env.DAPR_API_TOKEN } : {}),
  activities: createTimerActivities(deps),
  activityConcurrency: env.ACTIVITY_CONCURRENCY,
});
const client = new DaprWorkflowClient({
  daprHost: grpc.hostname,
  daprPort: grpc.port,
  ...(env.DAPR_API_TOKEN ? { daprApiToken: env.DAPR_API_TOKEN } : {}),
});
const scheduler = createDaprScheduler(client, logger);
const state = daprStateTable(sidecar);
const app = createWorkflowsApp({
  coordinator: createCoordinator({ scheduler, state, tasks, logger }),
  reconciler: createReconciler({ live: daprLive(sidecar), scheduler, state, logger }),
  scheduler,
  ping: () => waitForSidecar(sidecar, 2_000),
  logger,
  appApiToken: env.APP_API_TOKEN,
});
await worker.start();
await listenService(app.callback(), {
  port: env.PORT,
  host: env.HOST,
  internal: internalAddress(env),
  logger,
  metricsPort: env.METRICS_PORT,
  close: async () => {
    await Promise.all([worker.stop(), client.stop()]);
  },
});
logger.info({ port: env.PORT, internalPort: env.INTERNAL_PORT }, 'workflows app listening');
