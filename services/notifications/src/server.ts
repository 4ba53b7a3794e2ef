import { systemClock } from '@todo/core';
import {
  createTokens,
  daprSessionCheck,
  internalAddress,
  listenService,
  startBesideSidecar,
} from '@todo/server';
import { pino } from 'pino';
import { createNotificationsApp } from './app.ts';
import { loadEnv } from './env.ts';
import { createMongoNotificationStore } from './store/mongo.ts';

// The notifications service as its own process beside its daprd (the `dapr` profile), MongoDB behind it.
const env = loadEnv();
const logger = pino({ level: env.LOG_LEVEL, base: { service: 'notifications' } });
if (!env.MONGO_URL) {
  logger.fatal('the notifications service needs MONGO_URL (npm start runs the embedded profile without it)');
  process.exit(1);
}
const { sidecar, jwtKey } = await startBesideSidecar(env);

const store = await createMongoNotificationStore(env.MONGO_URL, env.MONGO_DB);
const notifications = createNotificationsApp({
  store,
  clock: systemClock,
  logger,
  tokens: createTokens(jwtKey),
  // Beside daprd, each token's session is asked of the tasks app: a revoked one is refused, its streams end.
  ...(sidecar ? { sessions: daprSessionCheck(sidecar) } : {}),
  webhooks: {
    retryScheduleMs: env.WEBHOOK_RETRY_SCHEDULE,
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    allowInternal: env.WEBHOOK_ALLOW_INTERNAL,
  },
  subscriptions: sidecar ? { appApiToken: env.APP_API_TOKEN } : undefined,
  webhooksPerOwner: env.WEBHOOKS_PER_OWNER,
});
await listenService(notifications.app.callback(), {
  port: env.PORT,
  host: env.HOST,
  internal: internalAddress(env),
  logger,
  metricsPort: env.METRICS_PORT,
  stopping: () => notifications.hub.close(),
  close: async () => {
    await notifications.stop();
    await store.close();
  },
});
notifications.start();
logger.info(
  { port: env.PORT, internalPort: env.INTERNAL_PORT, subscribed: Boolean(sidecar) },
  'notifications service listening',
);
