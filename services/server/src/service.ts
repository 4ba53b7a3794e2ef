import type { RequestListener } from 'node:http';
import { pino, type Logger } from 'pino';
import { internalAddress } from './config.ts';
import { sidecarFromEnv, signingKey, waitForSidecar } from './dapr.ts';
import { listenService } from './listen.ts';
import type { Sidecar } from './sidecar.ts';

/** What runService reads of an app's env: the fragments of config.ts every app's schema spreads. */
export interface ServiceEnv {
  PORT: number;
  HOST: string;
  LOG_LEVEL: string;
  METRICS_PORT?: number | undefined;
  INTERNAL_PORT?: number | undefined;
  INTERNAL_HOST: string;
  DAPR_HTTP_ENDPOINT?: string | undefined;
  DAPR_API_TOKEN?: string | undefined;
  JWT_SECRET?: string | undefined;
}

/** What an app's start-up hands runService to serve. */
export interface Service {
  handler: RequestListener;
  /** Runs once both listeners are closed: stop consumers, close stores. */
  close: () => Promise<void>;
  /** Runs as soon as a stop is asked (end long-lived responses). */
  stopping?: () => void;
  /** Runs once the app listens: start relays and consumers. */
  started?: () => void;
  /** Logged with "listening". */
  facts?: Record<string, unknown>;
}

export interface StartContext {
  logger: Logger;
  /** This app's daprd, ready for outbound calls; undefined when the env names none. */
  sidecar: Sidecar | undefined;
  /** The token signing key: JWT_SECRET, else the secret store's through the sidecar. */
  signingKey: () => Promise<string>;
}

/**
 * How each app's server.ts runs beside its daprd: refuses at once a start without the settings in
 * `needs`, waits for the sidecar, lets `start` build the app, serves it on its public and internal
 * listeners (listenService) until SIGINT/SIGTERM, and closes it. Resolves with the code the process
 * should end with: 0 after a graceful stop, 1 when the start or the stop failed (logged). It never ends
 * the process itself: the entry point does.
 */
export async function runService<E extends ServiceEnv>(
  { name, env, needs = {} }: { name: string; env: E; needs?: Record<string, unknown> },
  start: (ctx: StartContext) => Promise<Service>,
): Promise<0 | 1> {
  const logger = pino({ level: env.LOG_LEVEL, base: { service: name } });
  try {
    const missing = Object.keys(needs).find((setting) => needs[setting] === undefined);
    if (missing)
      throw new Error(
        `the ${name} service needs ${missing} (npm start runs the embedded profile without it)`,
      );
    const sidecar = sidecarFromEnv(env);
    if (sidecar) await waitForSidecar(sidecar);
    const service = await start({ logger, sidecar, signingKey: () => signingKey(env, sidecar) });
    const { stopped } = await listenService(service.handler, {
      port: env.PORT,
      host: env.HOST,
      internal: internalAddress(env),
      logger,
      metricsPort: env.METRICS_PORT,
      close: service.close,
      ...(service.stopping ? { stopping: service.stopping } : {}),
    });
    service.started?.();
    logger.info(
      { port: env.PORT, internalPort: env.INTERNAL_PORT, ...service.facts },
      `${name} service listening`,
    );
    return await stopped;
  } catch (err) {
    logger.fatal({ err }, `${name} service could not start`);
    return 1;
  }
}
