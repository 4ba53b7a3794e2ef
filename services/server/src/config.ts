import { z } from 'zod';

// The settings every app shares, as fragments its env.ts spreads into its own schema: each variable is
// declared here once, and no app restates one.

/** METRICS_PORT, for each app's schema: where /metrics is served apart from the app (the stack, the chart). */
export const metricsEnv = { METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional() };

/** How a server process listens and logs (METRICS_PORT included); `port` is the app's own default. */
export function listenEnv(port: number) {
  return {
    PORT: z.coerce.number().int().min(0).max(65535).default(port),
    HOST: z.string().default('127.0.0.1'),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ...metricsEnv,
  };
}

/**
 * The stack's MongoDB (required by the server.ts of the apps that use it; the embedded profile uses SQLite)
 * and the app's own database in it, `db` by default.
 */
export function mongoEnv(db: string) {
  return { MONGO_URL: z.string().url().optional(), MONGO_DB: z.string().default(db) };
}

/** Where an app reaches its own daprd (the stack and the chart set both beside each app). */
export const sidecarEnv = {
  DAPR_HTTP_ENDPOINT: z.string().url().optional(),
  /** Sent as dapr-api-token on every call to the sidecar. */
  DAPR_API_TOKEN: z.string().optional(),
};

/**
 * The HS256 key of the session tokens, shared by every app that verifies them. Unset: read from the Dapr
 * secret store (`jwt-signing-key`); the embedded profile makes one and keeps it in DATA_DIR.
 */
export const signingKeyEnv = {
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
};

/** Parses an app's configuration once, at boot, failing with every problem named. */
export function loadConfig<S extends z.ZodType>(schema: S, source: NodeJS.ProcessEnv): z.output<S> {
  const parsed = schema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/**
 * The settings of an app that runs beside daprd, spread into its env schema: its sidecar, the daprd-facing
 * listener (listenService) and the token daprd sends it. The last two unset, the app's daprd-only routes
 * refuse everything.
 */
export const besideDaprdEnv = {
  ...sidecarEnv,
  /** The internal listener, daprd's app port: every route. Unset, daprd-only routes are served nowhere. */
  INTERNAL_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** Loopback by default: in a pod daprd reaches the app over localhost, and nothing else should. */
  INTERNAL_HOST: z.string().default('127.0.0.1'),
  /** What daprd sends as dapr-api-token when it calls this app; unset or empty, such calls are refused. */
  APP_API_TOKEN: z.string().optional(),
};

/** The internal listener's address from an env parsed with besideDaprdEnv, when one is configured. */
export function internalAddress(env: { INTERNAL_PORT?: number | undefined; INTERNAL_HOST: string }) {
  return env.INTERNAL_PORT ? { port: env.INTERNAL_PORT, host: env.INTERNAL_HOST } : undefined;
}

/**
 * The tracing bootstrap's settings (telemetry.ts), read from the standard OpenTelemetry variables: tracing
 * is on only when OTEL_EXPORTER_OTLP_ENDPOINT is set; the SDK reads the other OTEL_* itself.
 */
export function loadTelemetryEnv() {
  const Env = z.object({
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
    OTEL_SERVICE_NAME: z.string().min(1).optional(),
  });
  return loadConfig(Env, process.env);
}
