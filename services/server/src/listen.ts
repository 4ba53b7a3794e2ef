import { createServer, type RequestListener, type Server } from 'node:http';
import type { Logger } from 'pino';
import { serveMetrics } from './metrics.ts';

/**
 * Serves `handler` (a Koa app's callback(), or several behind one origin), and on SIGINT/SIGTERM stops
 * taking requests, lets open ones finish, then runs `close`.
 */
export async function listen(
  handler: RequestListener,
  {
    port,
    host,
    logger,
    close,
    stopping: onStop = () => {},
    metricsPort,
  }: {
    port: number;
    host: string;
    /** Serve /metrics on this port too (METRICS_PORT); without it the process serves no metrics apart. */
    metricsPort?: number | undefined;
    logger: Logger;
    close: () => Promise<void>;
    /** Called as soon as a stop is asked: end long-lived responses (SSE) here, or the server never closes. */
    stopping?: () => void;
  },
): Promise<Server> {
  const server = createServer(handler).listen(port, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  if (metricsPort !== undefined) await serveMetrics({ port: metricsPort, host, logger });
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    onStop();
    server.close(() => {
      close().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'error while stopping');
          process.exit(1);
        },
      );
    });
    server.closeIdleConnections();
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return server;
}
