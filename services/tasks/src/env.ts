import { besideDaprdEnv, listenEnv, loadConfig, mongoEnv, signingKeyEnv } from '@todo/server';
import { z } from 'zod';

const Env = z.object({
  ...listenEnv(3000),
  /** Where the embedded profile keeps its SQLite database (and, later, its timers). */
  DATA_DIR: z.string().default('./.data'),
  /** The stack's store; without it the embedded profile uses SQLite in DATA_DIR. */
  ...mongoEnv('todo'),
  ...signingKeyEnv,
  /** How long an access token lives; the refresh token (as long as the session, 30 days) renews it. */
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),
  /**
   * How long an Idempotency-Key of a create keeps answering its task (decision 0039); the sweep then
   * purges a deleted task's row and drops a live task's key.
   */
  IDEMPOTENCY_RETENTION_HOURS: z.coerce.number().positive().default(24),
  /** How often the embedded profile runs that sweep (the stack: the purge-cron binding's schedule). */
  PURGE_EVERY_MINUTES: z.coerce.number().positive().default(60),
  PREVIEW_PER_MINUTE: z.coerce.number().int().positive().default(120),
  /** Sign-ups and sign-ins per client address a minute (0: none, e.g. where every caller is daprd). */
  AUTH_PER_IP_PER_MINUTE: z.coerce.number().int().min(0).default(120),
  /** Sign-ins per account in 15 minutes (0: none). */
  AUTH_PER_ACCOUNT_PER_15_MINUTES: z.coerce.number().int().min(0).default(20),
  /** Password hashes (scrypt, 32 MiB each) at once, and how many may wait for one before a 503. */
  PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).default(2),
  PASSWORD_HASH_QUEUE: z.coerce.number().int().min(0).default(32),
  /** Quotas per owner: tasks kept (not deleted), and reminders of open tasks. */
  TASKS_PER_OWNER: z.coerce.number().int().min(1).default(10_000),
  REMINDERS_PER_OWNER: z.coerce.number().int().min(1).default(2_000),
  /** Behind a TLS-terminating proxy: believe X-Forwarded-Proto/-Host (Secure session cookie, feed links). */
  TRUST_PROXY: z.stringbool().default(false),
  /** With the sidecar (DAPR_HTTP_ENDPOINT) the relay runs; without it there is none. */
  ...besideDaprdEnv,
  /** Fault injection for the stack's tests: a file `relay-after-publish` there crashes the relay once. */
  FAILPOINTS_DIR: z.string().optional(),
});
export type Env = z.infer<typeof Env>;

/** What the environment sets of createApp's options, the same in both profiles. */
export function appSettings(env: Env) {
  return {
    previewPerMinute: env.PREVIEW_PER_MINUTE,
    auth: {
      perIpPerMinute: env.AUTH_PER_IP_PER_MINUTE,
      perAccountPer15Minutes: env.AUTH_PER_ACCOUNT_PER_15_MINUTES,
      hashConcurrency: env.PASSWORD_HASH_CONCURRENCY,
      hashQueue: env.PASSWORD_HASH_QUEUE,
    },
    quotas: { tasks: env.TASKS_PER_OWNER, reminders: env.REMINDERS_PER_OWNER },
    idempotencyRetentionMs: env.IDEMPOTENCY_RETENTION_HOURS * 3600_000,
  };
}

/** Reads the process environment once, at boot; nothing else reads process.env. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return loadConfig(Env, source);
}
