import { systemClock } from '@todo/core';
import { pino } from 'pino';
import { createApp } from './app.ts';
import { loadEnv } from './env.ts';
import { createTokens, listen } from '@todo/http';
import { createMongoStore } from './store/mongo.ts';

// The task service as its own process (the `dapr` profile): MongoDB behind it.
const env = loadEnv();
const logger = pino({ level: env.LOG_LEVEL, base: { service: 'tasks' } });
if (!env.MONGO_URL || !env.JWT_SECRET) {
  logger.fatal(
    'the tasks service needs MONGO_URL and JWT_SECRET (npm start runs the embedded profile without them)',
  );
  process.exit(1);
}
const store = await createMongoStore(env.MONGO_URL, env.MONGO_DB);
const app = createApp({
  store,
  clock: systemClock,
  logger,
  tokens: createTokens(env.JWT_SECRET),
  previewPerMinute: env.PREVIEW_PER_MINUTE,
});
await listen(app, { port: env.PORT, host: env.HOST, logger, close: () => store.close() });
logger.info({ port: env.PORT }, 'tasks service listening');
