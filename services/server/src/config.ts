import { z } from 'zod';

/** METRICS_PORT, for each app's schema: where /metrics is served apart from the app (the stack, the chart). */
export const metricsEnv = { METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional() };

/** Parses an app's configuration once, at boot, failing with every problem named. */
export function loadConfig<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv): z.output<S> {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
