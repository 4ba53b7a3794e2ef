import { listenEnv, loadConfig, sidecarEnv } from '@todo/server';
import { z } from 'zod';

const Env = z.object({
  ...listenEnv(3005),
  /** The sidecar (the stack sets it beside each app): the API apps are reached through it. */
  ...sidecarEnv,
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
