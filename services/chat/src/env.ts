import { besideDaprdEnv, listenEnv, loadConfig, signingKeyEnv } from '@todo/server';
import { z } from 'zod';

const Env = z.object({
  ...listenEnv(3001),
  /**
   * The sidecar (state store, secrets and service invocation go through it) and its daprd-facing listener:
   * the web app reaches /api/chat through daprd (chat has no daprd-only routes).
   */
  ...besideDaprdEnv,
  /** The tasks service's Dapr app id. */
  TASKS_APP_ID: z.string().default('tasks'),
  SEARCH_APP_ID: z.string().default('search'),
  ...signingKeyEnv,
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
