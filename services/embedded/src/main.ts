import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import {
  createChatApp,
  createSqliteKeyValue,
  createTasksClient,
  llmFromEnv,
  loadEnv as loadChatEnv,
} from '@todo/chat';
import { systemClock } from '@todo/core';
import { createTokens } from '@todo/http';
import { createApp, createSqliteStore, loadEnv } from '@todo/tasks';
import { pino } from 'pino';

// The embedded profile: the whole product in one process, no servers; state in DATA_DIR.
const env = loadEnv();
const llm = llmFromEnv(loadChatEnv());
const logger = pino({ level: env.LOG_LEVEL, base: { profile: 'embedded' } });
const dataDir = resolve(env.DATA_DIR);
mkdirSync(dataDir, { recursive: true });

const store = createSqliteStore(join(dataDir, 'tasks.db'));
const conversations = createSqliteKeyValue(join(dataDir, 'chat.db'));
const tokens = createTokens(env.JWT_SECRET ?? localSecret(join(dataDir, 'jwt-secret')));
const tasksApp = createApp({
  store,
  clock: systemClock,
  logger,
  tokens,
  previewPerMinute: env.PREVIEW_PER_MINUTE,
});

// One origin: /api/chat* goes to the chat app, everything else to the tasks app. The chat calls the tasks
// API over HTTP on this same origin, exactly as it calls it through Dapr in the stack.
const isChat = /^\/api\/chat(?:[/?]|$)/;
const tasksHandler = tasksApp.callback();
// The chat app needs this origin, known only once the server listens (PORT may be 0).
const handlers: { chat?: RequestListener } = {};
const server = createServer((req, res) => {
  const handler = handlers.chat && isChat.test(req.url ?? '') ? handlers.chat : tasksHandler;
  void handler(req, res);
});
await new Promise<void>((ok, fail) => server.once('error', fail).listen(env.PORT, env.HOST, ok));
const { port } = server.address() as AddressInfo;
const loopback = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
const origin = `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}`;
handlers.chat = createChatApp({
  tokens,
  tasks: createTasksClient({ baseUrl: origin }),
  kv: conversations,
  clock: systemClock,
  logger,
  ...(llm ? { llm } : {}),
}).callback();

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'stopping');
  // Open requests finish; SQLite commits every write, so even a kill -9 loses nothing acknowledged.
  server.close(() => {
    Promise.all([store.close(), conversations.close()]).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  });
  server.closeIdleConnections();
};
process.once('SIGINT', () => stop('SIGINT'));
process.once('SIGTERM', () => stop('SIGTERM'));

logger.info({ dataDir, llm: Boolean(llm) }, 'embedded profile ready');
console.log(
  `todo-chatbot is running at http://${env.HOST}:${port}/api (docs: http://${env.HOST}:${port}/api/docs, chat: POST /api/chat)`,
);

/** A signing key made on first start and kept beside the data, so tokens outlive restarts. */
function localSecret(file: string): string {
  if (!existsSync(file))
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  return readFileSync(file, 'utf8').trim();
}
