import { besideDaprdEnv, listenEnv, loadConfig } from '@todo/server';
import { z } from 'zod';

const Env = z.object({
  ...listenEnv(3003),
  /** The sidecar's gRPC API, for workflows (its HTTP API, DAPR_HTTP_ENDPOINT, for pub/sub, state and invocation). */
  DAPR_GRPC_ENDPOINT: z.string().url().optional(),
  /** Activities the worker runs at once (each calls the task service and the broker). */
  ACTIVITY_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(32),
  ...besideDaprdEnv,
});
export type Env = z.infer<typeof Env>;

/** Reads the process environment once, at boot; nothing else reads process.env. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return loadConfig(Env, source);
}
