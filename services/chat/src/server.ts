import { systemClock } from '@todo/core';
import {
  createTokens,
  daprSessionCheck,
  internalAddress,
  listenService,
  readSecret,
  sidecarHeaders,
  waitForSidecar,
} from '@todo/server';
import { pino } from 'pino';
import { createChatApp } from './app.ts';
import { createDaprKeyValue } from './conversation/kv.dapr.ts';
import { loadEnv } from './env.ts';
import type { LlmConfig } from './llm/adapter.ts';
import { createTasksClient } from './tasks/client.ts';

// The chat as its own process beside its daprd (the `dapr` profile): state, secrets and the tasks API
// all go through the sidecar.
const env = loadEnv();
const logger = pino({ level: env.LOG_LEVEL, base: { service: 'chat' } });
if (!env.DAPR_HTTP_PORT) {
  logger.fatal(
    'the chat service runs beside daprd: set DAPR_HTTP_PORT (npm start runs the embedded profile)',
  );
  process.exit(1);
}
const sidecar = { http: `http://127.0.0.1:${env.DAPR_HTTP_PORT}`, apiToken: env.DAPR_API_TOKEN };
await waitForSidecar(sidecar);
const jwtKey = env.JWT_SECRET ?? (await readSecret(sidecar, 'secretstore', 'jwt-signing-key'));

const kv = createDaprKeyValue({
  daprUrl: sidecar.http,
  ...(env.DAPR_API_TOKEN ? { apiToken: env.DAPR_API_TOKEN } : {}),
});
const llm = await llmFromSecrets();
const app = createChatApp({
  tokens: createTokens(jwtKey),
  sessions: daprSessionCheck(sidecar, { tasksAppId: env.TASKS_APP_ID }),
  tasks: createTasksClient({
    baseUrl: `${sidecar.http}/v1.0/invoke/${env.TASKS_APP_ID}/method`,
    searchUrl: `${sidecar.http}/v1.0/invoke/${env.SEARCH_APP_ID}/method`,
    headers: sidecarHeaders(sidecar),
  }),
  kv,
  clock: systemClock,
  logger,
  turnsPerMinute: env.CHAT_TURNS_PER_MINUTE,
  ...(llm ? { llm } : {}),
});
const port = env.PORT ?? env.APP_PORT ?? 3001;
await listenService(app.callback(), {
  port,
  host: env.HOST,
  internal: internalAddress(env),
  logger,
  metricsPort: env.METRICS_PORT,
  close: () => kv.close(),
});
logger.info({ port, internalPort: env.INTERNAL_PORT }, 'chat service listening');

/** LLM mode's settings from the Dapr secret store; absent secrets leave LLM mode off. */
async function llmFromSecrets(): Promise<LlmConfig | undefined> {
  // The local file store answers 500 for a missing key, Kubernetes 404: either way, not configured.
  const secret = (name: string) => readSecret(sidecar, 'secretstore', name).catch(() => undefined);
  const [baseUrl, model, apiKey] = await Promise.all([
    secret('llm-base-url'),
    secret('llm-model'),
    secret('llm-api-key'),
  ]);
  if (!baseUrl || !model) return undefined;
  logger.info({ model }, 'LLM mode on');
  return { baseUrl, model, timeoutMs: env.LLM_TIMEOUT_MS, ...(apiKey ? { apiKey } : {}) };
}
