import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
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
import { createTokens, listen } from '@todo/http';
import {
  createActivityConsumer,
  createApp,
  createLocalPublisher,
  createRelay,
  createSqliteStore,
  loadEnv,
} from '@todo/tasks';
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
// The outbox relay hands each change to the in-process consumers (the activity log), as Kafka does in the stack.
const relay = createRelay({
  store,
  logger,
  publisher: createLocalPublisher([createActivityConsumer({ store, logger })]),
});
const tasksApp = createApp({
  store,
  clock: systemClock,
  logger,
  tokens,
  previewPerMinute: env.PREVIEW_PER_MINUTE,
  onWrite: relay.wake,
});

// One origin: /api/chat* goes to the chat app, everything else to the tasks app. The chat calls the tasks
// API over HTTP on this same origin, exactly as it calls it through Dapr in the stack; its handler is made
// once the server listens and the origin is known (PORT may be 0).
const isChat = /^\/api\/chat(?:[/?]|$)/;
const tasksHandler = tasksApp.callback();
let chatHandler: RequestListener | undefined;
const server = await listen(
  (req, res) => void (chatHandler && isChat.test(req.url ?? '') ? chatHandler : tasksHandler)(req, res),
  {
    port: env.PORT,
    host: env.HOST,
    logger,
    close: async () => {
      await relay.stop();
      await Promise.all([store.close(), conversations.close()]);
    },
  },
);
const { port } = server.address() as AddressInfo;
const loopback = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
const origin = `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}`;
chatHandler = createChatApp({
  tokens,
  tasks: createTasksClient({ baseUrl: origin }),
  kv: conversations,
  clock: systemClock,
  logger,
  ...(llm ? { llm } : {}),
}).callback();
relay.wake();

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
