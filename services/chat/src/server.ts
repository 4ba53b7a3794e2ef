import { systemClock } from '@todo/core';
import {
  createTokens,
  daprSessionCheck,
  invokeUrl,
  readSecret,
  runService,
  sidecarHeaders,
  type Sidecar,
} from '@todo/server';
import type { Logger } from 'pino';
import { createChatApp } from './app.ts';
import { createDaprKeyValue } from './conversation/kv.dapr.ts';
import { loadEnv } from './env.ts';
import type { LlmConfig } from './llm/adapter.ts';
import { createTasksClient } from './tasks/client.ts';

// The chat as its own process beside its daprd (the `dapr` profile): state, secrets and the tasks API
// all go through the sidecar.
const env = loadEnv();
const code = await runService(
  { name: 'chat', env, needs: { DAPR_HTTP_ENDPOINT: env.DAPR_HTTP_ENDPOINT } },
  async ({ logger, sidecar, signingKey }) => {
    const dapr = sidecar!;
    const kv = createDaprKeyValue(dapr);
    const llm = await llmFromSecrets(dapr, logger);
    const app = createChatApp({
      tokens: createTokens(await signingKey()),
      sessions: daprSessionCheck(dapr, { tasksAppId: env.TASKS_APP_ID }),
      tasks: createTasksClient({
        baseUrl: invokeUrl(dapr, env.TASKS_APP_ID),
        searchUrl: invokeUrl(dapr, env.SEARCH_APP_ID),
        headers: sidecarHeaders(dapr),
      }),
      kv,
      clock: systemClock,
      logger,
      turnsPerMinute: env.CHAT_TURNS_PER_MINUTE,
      ...(llm ? { llm } : {}),
    });
    return { handler: app.callback(), close: () => kv.close() };
  },
);
process.exit(code);

/** LLM mode's settings from the Dapr secret store; absent secrets leave LLM mode off. */
async function llmFromSecrets(sidecar: Sidecar, logger: Logger): Promise<LlmConfig | undefined> {
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
