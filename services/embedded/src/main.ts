import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { systemClock } from '@todo/core';
import { createTokens, listen } from '@todo/http';
import { createApp, createSqliteStore, loadEnv } from '@todo/tasks';
import { pino } from 'pino';

// The embedded profile: the whole product in one process, no servers; state in DATA_DIR.
const env = loadEnv();
const logger = pino({ level: env.LOG_LEVEL, base: { profile: 'embedded' } });
const dataDir = resolve(env.DATA_DIR);
mkdirSync(dataDir, { recursive: true });

const store = createSqliteStore(join(dataDir, 'tasks.db'));
const app = createApp({
  store,
  clock: systemClock,
  logger,
  tokens: createTokens(env.JWT_SECRET ?? localSecret(join(dataDir, 'jwt-secret'))),
  previewPerMinute: env.PREVIEW_PER_MINUTE,
});
const server = await listen(app, { port: env.PORT, host: env.HOST, logger, close: () => store.close() });
const { port } = server.address() as { port: number };
logger.info({ dataDir }, 'embedded profile ready');
console.log(
  `todo-chatbot is running at http://${env.HOST}:${port}/api (docs: http://${env.HOST}:${port}/api/docs)`,
);

/** A signing key made on first start and kept beside the data, so tokens outlive restarts. */
function localSecret(file: string): string {
  if (!existsSync(file))
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  return readFileSync(file, 'utf8').trim();
}
