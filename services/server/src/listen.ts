import { createServer, STATUS_CODES, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { statusCode } from './errors.ts';
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
  const server = createServer(handler).on('clientError', answerClientError).listen(port, host);
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

/** What Node's parser refuses before any app sees the request, by the parser's error code. */
const PARSER_STATUS: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
};

/**
 * Answers a request Node's HTTP parser refused (headers past --max-http-header-size, a malformed request
 * line) in the API's error shape, where Node would send a bare status line.
 */
export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = PARSER_STATUS[err.code ?? ''] ?? 400;
  const message =
    status === 431
      ? 'the request headers are too large'
      : `the request is not valid HTTP (${STATUS_CODES[status]})`;
  const body = JSON.stringify({ error: { code: statusCode(status), message, details: [] } });
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
