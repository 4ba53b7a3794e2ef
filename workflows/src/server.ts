import { DaprWorkflowClient } from '@dapr/dapr';
import { systemClock } from '@todo/core';
import { runService, waitForSidecar } from '@todo/server';
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
const code = await runService(
  {
    name: 'workflows',
    env,
    needs: { DAPR_HTTP_ENDPOINT: env.DAPR_HTTP_ENDPOINT, DAPR_GRPC_ENDPOINT: env.DAPR_GRPC_ENDPOINT },
  },
  async ({ logger, sidecar }) => {
    routeConsoleTo(logger);
    const dapr = sidecar!;
    const grpc = new URL(env.DAPR_GRPC_ENDPOINT!);
    const tasks = daprTasks(dapr);
    const state = daprStateTable(dapr);
    const worker = createWorker({
      grpcAddress: grpc.host,
      ...(env.DAPR_API_TOKEN ? { apiToken: env.DAPR_API_TOKEN } : {}),
      activities: createTimerActivities({
        tasks,
        publisher: daprNotificationPublisher(dapr),
        clock: systemClock,
        logger,
        // A firing checks the coordinator's record (one state read) before it reads its task (two sidecars).
        records: state,
      }),
      activityConcurrency: env.ACTIVITY_CONCURRENCY,
    });
    const client = new DaprWorkflowClient({
      daprHost: grpc.hostname,
      daprPort: grpc.port,
      ...(env.DAPR_API_TOKEN ? { daprApiToken: env.DAPR_API_TOKEN } : {}),
    });
    const scheduler = createDaprScheduler(client, logger);
    const app = createWorkflowsApp({
      coordinator: createCoordinator({ scheduler, state, tasks, logger }),
      reconciler: createReconciler({ live: daprLive(dapr), scheduler, state, logger }),
      scheduler,
      ping: () => waitForSidecar(dapr, 2_000),
      logger,
      appApiToken: env.APP_API_TOKEN,
    });
    await worker.start();
    return {
      handler: app.callback(),
      close: async () => {
        await Promise.all([worker.stop(), client.stop()]);
      },
    };
  },
);
process.exit(code);
