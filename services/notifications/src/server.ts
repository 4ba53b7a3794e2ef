import { systemClock } from '@todo/core';
import { createTokens, listen, readSecret, waitForSidecar } from '@todo/server';
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
const sidecar = env.DAPR_HTTP_ENDPOINT
  ? { http: env.DAPR_HTTP_ENDPOINT, apiToken: env.DAPR_API_TOKEN }
  : undefined;
if (sidecar) await waitForSidecar(sidecar);
const jwtKey = env.JWT_SECRET ?? (sidecar && (await readSecret(sidecar, 'secretstore', 'jwt-signing-key')));
if (!jwtKey) {
  logger.fatal('no token signing key: set JWT_SECRET or run beside daprd with the secret store');
  process.exit(1);
}

const store = await createMongoNotificationStore(env.MONGO_URL, env.MONGO_DB);
const notifications = createNotificationsApp({
  store,
  clock: systemClock,
  logger,
  tokens: createTokens(jwtKey),
  webhooks: {
    maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
    baseDelayMs: env.WEBHOOK_BACKOFF_MS,
    timeoutMs: env.WEBHOOK_TIMEOUT_MS,
    allowInternal: env.WEBHOOK_ALLOW_INTERNAL,
  },
  subscriptions: sidecar ? { appApiToken: env.APP_API_TOKEN } : undefined,
});
await listen(notifications.app.callback(), {
  port: env.PORT,
  host: env.HOST,
  logger,
  stopping: () => notifications.hub.close(),
  close: async () => {
    await notifications.stop();
    await store.close();
  },
});
notifications.start();
logger.info({ port: env.PORT, subscribed: Boolean(sidecar) }, 'notifications service listening');
