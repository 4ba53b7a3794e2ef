import { systemClock } from '@todo/core';
import { createTokens, listen } from '@todo/http';
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
if (!env.DAPR_HTTP_PORT || !env.JWT_SECRET) {
  logger.fatal('the chat service needs DAPR_HTTP_PORT and JWT_SECRET (npm start runs the embedded profile)');
  process.exit(1);
}
const dapr = `http://127.0.0.1:${env.DAPR_HTTP_PORT}`;
const daprHeaders: Record<string, string> = env.DAPR_API_TOKEN
  ? { 'dapr-api-token': env.DAPR_API_TOKEN }
  : {};

const kv = createDaprKeyValue({
  daprUrl: dapr,
  ...(env.DAPR_API_TOKEN ? { apiToken: env.DAPR_API_TOKEN } : {}),
});
const llm = await llmFromSecrets();
const app = createChatApp({
  tokens: createTokens(env.JWT_SECRET),
  tasks: createTasksClient({
    baseUrl: `${dapr}/v1.0/invoke/${env.TASKS_APP_ID}/method`,
    headers: daprHeaders,
  }),
  kv,
  clock: systemClock,
  logger,
  ...(llm ? { llm } : {}),
});
const port = env.PORT ?? env.APP_PORT ?? 3001;
await listen(app, { port, host: env.HOST, logger, close: () => kv.close() });
logger.info({ port }, 'chat service listening');

/** LLM mode's settings from the Dapr secret store; absent secrets leave LLM mode off. */
async function llmFromSecrets(): Promise<LlmConfig | undefined> {
  const secret = async (name: string): Promise<string | undefined> => {
    const res = await fetch(`${dapr}/v1.0/secrets/secretstore/${name}`, {
      headers: daprHeaders,
      signal: AbortSignal.timeout(5000),
    });
    // The local file store answers 500 for a missing key, Kubernetes 404/500: either way, not configured.
    if (!res.ok) return undefined;
    const body = (await res.json()) as Record<string, string>;
    return body[name];
  };
  const [baseUrl, model, apiKey] = await Promise.all([
    secret('llm-base-url'),
    secret('llm-model'),
    secret('llm-api-key'),
  ]);
  if (!baseUrl || !model) return undefined;
  logger.info({ model }, 'LLM mode on');
  return { baseUrl, model, timeoutMs: env.LLM_TIMEOUT_MS, ...(apiKey ? { apiKey } : {}) };
}
