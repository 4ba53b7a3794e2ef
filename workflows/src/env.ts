import { besideDaprdEnv, loadConfig, metricsEnv } from '@todo/server';
import { z } from 'zod';

const Env = z.object({
  ...metricsEnv,
  PORT: z.coerce.number().int().min(0).max(65535).default(3003),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** The sidecar (the stack sets these beside each app): HTTP for pub/sub, state and invocation, gRPC for workflows. */
  DAPR_HTTP_ENDPOINT: z.string().url(),
  DAPR_GRPC_ENDPOINT: z.string().url(),
  DAPR_API_TOKEN: z.string().optional(),
  /** Activities the worker runs at once (each calls the task service and the broker). */
  ACTIVITY_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
  ...besideDaprdEnv,
});
export type Env = z.infer<typeof Env>;

/** Reads the process environment once, at boot; nothing else reads process.env. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return loadConfig(Env, source);
}
