import { besideDaprdEnv, listenEnv, loadConfig, mongoEnv, signingKeyEnv } from '@todo/server';
import { Duration } from 'luxon';
import { z } from 'zod';
import { RETRY_SCHEDULE_MS } from './webhooks/dispatcher.ts';

/** ISO 8601 durations, comma-separated (`PT5S,PT5M,PT30M`), as milliseconds. */
const Schedule = z.string().transform((text, ctx) => {
  const waits = text.split(',').map((part) => Duration.fromISO(part.trim()));
  if (waits.length > 20 || waits.some((d) => !d.isValid || d.toMillis() < 10)) {
    ctx.addIssue({
      code: 'custom',
      message: 'expected up to 20 ISO 8601 durations of at least 10 ms, comma-separated (PT5S,PT5M,PT2H)',
    });
    return z.NEVER;
  }
  return waits.map((d) => d.toMillis());
});

const Env = z.object({
  ...listenEnv(3002),
  ...mongoEnv('notifications'),
  ...signingKeyEnv,
  ...besideDaprdEnv,
  /** Webhook delivery: the waits between tries (Standard Webhooks' schedule), per-try timeout. */
  WEBHOOK_RETRY_SCHEDULE: Schedule.optional().transform((v) => v ?? [...RETRY_SCHEDULE_MS]),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** The quota of webhooks one owner may have. */
  WEBHOOKS_PER_OWNER: z.coerce.number().int().min(1).default(10),
  /**
   * Allow webhooks to reserved addresses (loopback, private, link-local...): for a receiver on this machine
   * or its LAN, e.g. in tests. Off by default in both profiles; never in a shared cluster.
   */
  WEBHOOK_ALLOW_INTERNAL: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
});
export type Env = z.infer<typeof Env>;

/** Reads the process environment once, at boot; nothing else reads process.env. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return loadConfig(Env, source);
}
