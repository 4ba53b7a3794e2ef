import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { flushCompileCache } from 'node:module';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import {
  createChatApp,
  createSqliteKeyValue,
  createTasksClient,
  llmFromEnv,
  loadEnv as loadChatEnv,
} from '@todo/chat';
import { apiAppOf, systemClock, type ApiApp } from '@todo/core';
import { createTokens, listen, localBus, measured, metrics, metricsListener } from '@todo/server';
import {
  createNotificationsApp,
  createSqliteNotificationStore,
  loadEnv as loadNotificationsEnv,
} from '@todo/notifications';
import { createEmbeddedIndex, createSearchApp } from '@todo/search';
import {
  appSettings,
  createHistoryConsumer,
  createApp,
  createRelay,
  createSqliteStore,
  createTaskService,
  loadEnv,
  sessionCheck,
  startIdempotencySweeps,
} from '@todo/tasks';
import { createWebListener, ensureWebBuild, withFreshSession } from '@todo/web';
import { createEmbeddedWorkflows } from '@todo/workflows';
import { pino } from 'pino';

// The embedded profile: the whole product in one process, no servers; state in DATA_DIR. The parts are
// the same as in the stack; only the seams differ (SQLite stores, an in-process relay, SQLite timers).
const env = loadEnv();
const notificationsEnv = loadNotificationsEnv();
const chatEnv = loadChatEnv();
const llm = llmFromEnv(chatEnv);
const logger = pino({ level: env.LOG_LEVEL, base: { profile: 'embedded' } });
const dataDir = resolve(env.DATA_DIR);
mkdirSync(dataDir, { recursive: true });

const store = createSqliteStore(join(dataDir, 'tasks.db'));
const conversations = createSqliteKeyValue(join(dataDir, 'chat.db'));
const notificationStore = createSqliteNotificationStore(join(dataDir, 'notifications.db'));
const tokens = createTokens(
  env.JWT_SECRET ?? localSecret(join(dataDir, 'jwt-secret')),
  env.ACCESS_TOKEN_TTL_SECONDS,
);

const notifications = createNotificationsApp({
  store: notificationStore,
  clock: systemClock,
  logger,
  tokens,
  // A revoked session ends its open streams too (within 15 s), as in the stack.
  sessions: sessionCheck(store, systemClock),
  // A receiver on a laptop may be plain http; one on localhost or the LAN needs WEBHOOK_ALLOW_INTERNAL=true.
  webhooks: {
    requireHttps: false,
    allowInternal: notificationsEnv.WEBHOOK_ALLOW_INTERNAL,
    retryScheduleMs: notificationsEnv.WEBHOOK_RETRY_SCHEDULE,
    timeoutMs: notificationsEnv.WEBHOOK_TIMEOUT_MS,
  },
  webhooksPerOwner: notificationsEnv.WEBHOOKS_PER_OWNER,
});
// Series instances are created through the same service the API uses; its writes wake the relay.
const wake = () => relay.wake();
const taskService = createTaskService({ store, clock: systemClock, onWrite: wake });
const reminders = localBus('reminders', [notifications.consume]);
const workflows = createEmbeddedWorkflows({
  file: join(dataDir, 'timers.db'),
  clock: systemClock,
  logger,
  tasks: {
    getTask: (owner, id) => store.getTask(owner, id),
    ownerZone: async (owner) => (await store.findUserById(owner))?.tz ?? 'UTC',
    createOccurrence: (owner, key, input) => taskService.createOccurrence(owner, key, input),
  },
  publisher: { publish: (event) => reminders.publish([event]) },
});
metrics.workflowsFrom(workflows.timers.census);
// Search: the in-process engine, filled from the store at start and kept current by the task events.
const search = createSearchApp({
  index: createEmbeddedIndex(),
  clock: systemClock,
  logger,
  tokens,
  sessions: sessionCheck(store, systemClock),
  sources: {
    store: async (after) => {
      // SQLite answers synchronously: without this turn of the event loop between pages the whole
      // rebuild would run before the port opens, and hold up every request until it ends.
      await new Promise((resolve) => setImmediate(resolve));
      const items = await store.everyTask(after, 1000);
      return { items, ...(items.length === 1000 ? { next: items.at(-1)!.task.id } : {}) };
    },
  },
});
// Rebuilt while the port opens rather than before (with 5,000 tasks it was a fifth of the start): a search
// waits for it (`handlers` below) and never answers from a half-filled index; task events that arrive
// meanwhile reach the serving and the building index both (index.embedded.ts), so none is missed.
const indexed = search.reindex('store');
indexed.catch((err: unknown) => {
  // As when the rebuild was awaited before listening: no search without its index.
  logger.fatal({ err }, 'search: could not build the index from the store');
  process.exit(1);
});
// The outbox relay hands each change to the in-process consumers, as Kafka does in the stack.
const relay = createRelay({
  store,
  logger,
  publisher: localBus('task-events', [
    createHistoryConsumer({ store, logger }),
    workflows.coordinator,
    search.consume,
  ]),
});
const settings = appSettings(env);
const tasksApp = createApp({
  store,
  clock: systemClock,
  logger,
  tokens,
  ...settings,
  onWrite: wake,
  workflows: workflows.inspector,
});

// One origin. The chat calls the tasks API over HTTP on this same origin, exactly as it calls it through
// Dapr in the stack; its handler is made once the server listens and the origin is known (PORT may be 0).
const handlers: Partial<Record<ApiApp, RequestListener>> = {
  tasks: tasksApp.callback(),
  search: afterIndexed(search.app.callback()),
  notifications: notifications.app.callback(),
};
// Every path outside /api (and the health checks, which the tasks app answers) is the web app (React
// Router, rendered in this process).
const isApi = /^\/(?:api(?:[/?]|$)|(?:healthz|readyz)(?:\?|$))/;
let webHandler: RequestListener | undefined;
// The chat's handler comes once the port is open: until then the tasks app answers its path with a 404.
// /metrics is served on this one origin too (the stack serves it on METRICS_PORT, apart).
const isMetrics = /^\/metrics(?:\?|$)/;
const route = (url: string): RequestListener =>
  isMetrics.test(url)
    ? metricsListener
    : webHandler && !isApi.test(url)
      ? webHandler
      : (handlers[apiAppOf(url)] ?? handlers.tasks!);
// The web app is built (first start, or changed sources) before the port opens: no page meets a half-built app.
ensureWebBuild((msg) => logger.info(msg));
// Every request (pages, the browser's /api calls, its stream) first refreshes a session whose short-lived
// access token ran out, through this same origin once it is known.
let self: string | undefined;
const app = withFreshSession(
  () => (self ? { kind: 'origin', origin: self } : undefined),
  (req, res) => void route(req.url ?? '')(req, res),
  { log: (msg) => logger.warn(msg) },
);
const { server, stopped } = await listen(app, {
  port: env.PORT,
  host: env.HOST,
  logger,
  stopping: () => notifications.hub.close(),
  close: async () => {
    await Promise.all([relay.stop(), notifications.stop(), workflows.close(), sweeps.stop()]);
    await Promise.all([store.close(), conversations.close(), notificationStore.close()]);
  },
});
const { port } = server.address() as AddressInfo;
const loopback = env.HOST === '0.0.0.0' || env.HOST === '::' ? '127.0.0.1' : env.HOST;
const origin = `http://${loopback.includes(':') ? `[${loopback}]` : loopback}:${port}`;
self = origin;
handlers.chat = createChatApp({
  tokens,
  tasks: createTasksClient({ baseUrl: origin }),
  kv: conversations,
  clock: systemClock,
  logger,
  sessions: sessionCheck(store, systemClock),
  turnsPerMinute: chatEnv.CHAT_TURNS_PER_MINUTE,
  ...(llm ? { llm } : {}),
}).callback();
webHandler = measured(
  await createWebListener({ target: { kind: 'origin', origin }, log: (msg) => logger.info(msg) }),
  () => 'page',
);
relay.wake();
notifications.start();
workflows.start();
// What the stack's purge-cron binding does: forget Idempotency-Keys past their retention (decision 0039).
const sweeps = startIdempotencySweeps({
  store,
  clock: systemClock,
  idempotencyMs: settings.idempotencyRetentionMs,
  everyMs: env.PURGE_EVERY_MINUTES * 60_000,
  logger,
});

logger.info({ dataDir, llm: Boolean(llm) }, 'embedded profile ready');
// Every module is loaded by now: the compile cache main.ts turned on is written at once, not only at a
// clean exit, so the start after a kill -9 finds it too.
flushCompileCache();
console.log(`web app: http://${env.HOST}:${port}/`);
console.log(
  `todo-chatbot is running at http://${env.HOST}:${port}/api (docs: http://${env.HOST}:${port}/api/docs, chat: POST /api/chat)`,
);
process.exit(await stopped);

function afterIndexed(handler: RequestListener): RequestListener {
  return (req, res) => void indexed.then(() => handler(req, res));
}

/** A signing key made on first start and kept beside the data, so tokens outlive restarts. */
function localSecret(file: string): string {
  if (!existsSync(file))
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600, flag: 'wx' });
  return readFileSync(file, 'utf8').trim();
}
