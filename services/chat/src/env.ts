import { besideDaprdEnv, loadConfig, metricsEnv } from '@todo/server';
import { z } from 'zod';

const Env = z.object({
  ...metricsEnv,
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** The port the stack's supervisor assigns (deploy/local/apps.ts); PORT wins when both are set. */
  APP_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The sidecar's HTTP port (dapr profile): state store, secrets and service invocation go through it. */
  DAPR_HTTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Sent as dapr-api-token when the sidecar requires one. */
  DAPR_API_TOKEN: z.string().min(1).optional(),
  /** The daprd-facing listener: the web app reaches /api/chat through daprd (chat has no daprd-only routes). */
  ...besideDaprdEnv,
  /** The tasks service's Dapr app id. */
  TASKS_APP_ID: z.string().default('tasks'),
  SEARCH_APP_ID: z.string().default('search'),
  /** HS256 key shared with the tasks service; unset, it is read from the Dapr secret store. */
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  /**
   * Optional LLM mode, OpenAI-compatible. In the stack these come from the Dapr secret store
   * (llm-base-url, llm-model, llm-api-key); these variables are for the embedded profile.
   */
  LLM_BASE_URL: z.url().optional(),
  LLM_MODEL: z.string().min(1).optional(),
  LLM_API_KEY: z.string().min(1).optional(),
  /** Messages per owner a minute (each may be an LLM turn, which costs money); 0: no limit. */
  CHAT_TURNS_PER_MINUTE: z.coerce.number().int().min(0).default(30),
  /** After this long the deterministic engine answers instead of the model. */
  LLM_TIMEOUT_MS: z.coerce.number().int().positive().default(8000),
});
export type Env = z.infer<typeof Env>;

/** Reads the process environment once, at boot; nothing else reads process.env. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return loadConfig(Env, source);
}

/** The LLM settings when both a base URL and a model are set, else undefined (LLM mode off). */
export function llmFromEnv(env: Env) {
  if (!env.LLM_BASE_URL || !env.LLM_MODEL) return undefined;
  return {
    baseUrl: env.LLM_BASE_URL,
    model: env.LLM_MODEL,
    timeoutMs: env.LLM_TIMEOUT_MS,
    ...(env.LLM_API_KEY ? { apiKey: env.LLM_API_KEY } : {}),
  };
}
