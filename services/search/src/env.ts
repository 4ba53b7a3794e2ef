import { besideDaprdEnv, listenEnv, loadConfig, signingKeyEnv } from '@todo/server';
import { z } from 'zod';

const Env = z.object({
  ...listenEnv(3004),
  /** Meilisearch; unset: the in-process engine, filled by replaying task-events at start. */
  MEILI_URL: z.string().url().optional(),
  /** The Meilisearch key. Unset beside daprd: read from the Dapr secret store (`meili-master-key`). */
  MEILI_MASTER_KEY: z.string().optional(),
  MEILI_INDEX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,100}$/)
    .default('tasks'),
  /** Kafka brokers (host:port, comma-separated), for a reindex by replaying task-events. */
  KAFKA_BROKERS: z
    .string()
    .transform((s) =>
      s
        .split(',')
        .map((b) => b.trim())
        .filter(Boolean),
    )
    .optional(),
  ...signingKeyEnv,
  ...besideDaprdEnv,
});
export type Env = z.infer<typeof Env>;

/** Reads the process environment once, at boot; nothing else reads process.env. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return loadConfig(Env, source);
}
