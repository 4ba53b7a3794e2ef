import { loadConfig, metricsEnv } from '@todo/server';
import { z } from 'zod';

const Env = z.object({
  ...metricsEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(3005),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The sidecar (the stack sets these beside each app): the API apps are reached through it. */
  DAPR_HTTP_ENDPOINT: z.string().url().optional(),
  DAPR_API_TOKEN: z.string().optional(),
  /** Without a sidecar: an origin that serves every /api path (e.g. a running `npm start`). */
  API_ORIGIN: z.string().url().optional(),
});
export type Env = z.infer<typeof Env>;

/** Reads the process environment once, at boot; nothing else in the web app reads process.env. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const env = loadConfig(Env, source);
  if (!env.DAPR_HTTP_ENDPOINT && !env.API_ORIGIN) {
    throw new Error('web: set DAPR_HTTP_ENDPOINT (beside a daprd) or API_ORIGIN (an origin serving /api)');
  }
  return env;
}

/**
 * React picks its build by NODE_ENV when first loaded; unset, it takes the development build (checks and
 * warnings, several times slower). The web server renders with the production build unless told otherwise.
 */
export function preferProductionReact(): void {
  process.env.NODE_ENV ??= 'production';
}
