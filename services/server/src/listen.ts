import { createServer, STATUS_CODES, type RequestListener, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { statusCode } from './errors.ts';
import { serveMetrics } from './metrics.ts';

export interface ListenOptions {
  port: number;
  host: string;
  /** Serve /metrics on this port too (METRICS_PORT); without it the process serves no metrics apart. */
  metricsPort?: number | undefined;
  logger: Logger;
  close: () => Promise<void>;
  /** Called as soon as a stop is asked: end long-lived responses (SSE) here, or the server never closes. */
  stopping?: () => void;
}

/**
 * Resolves once a stop signal's shutdown is over, with the code the process should end with: 0 when
 * everything closed, 1 when closing threw (logged). The library never exits; the entry point does.
 */
export type Stopped = Promise<0 | 1>;

/**
 * Serves `handler` (a Koa app's callback(), or several behind one origin), and on SIGINT/SIGTERM stops
 * taking requests, lets open ones finish, then runs `close`.
 */
export async function listen(
  handler: RequestListener,
  opts: ListenOptions,
): Promise<{ server: Server; stopped: Stopped }> {
  const { servers, stopped } = await serve([{ handler, port: opts.port, host: opts.host }], opts);
  return { server: servers[0]!, stopped };
}

/** Where a listener binds. */
export interface Address {
  port: number;
  host: string;
}

/**
 * Serves an app that runs beside daprd on two listeners. The public one (PORT/HOST, what an ingress or a
 * browser reaches) answers only the public API and the health checks; every other route (event
 * deliveries, bindings, `/internal/*`) answers 404 there. The internal one (`internal`, bound to loopback
 * or the pod, the port daprd is given as its app port) serves every route, the public ones included,
 * because other apps invoke the public API through daprd too. Without `internal` the app's daprd-only
 * routes are served nowhere.
 */
export async function listenService(
  handler: RequestListener,
  opts: ListenOptions & { internal?: Address | undefined },
): Promise<{ server: Server; internal?: Server; stopped: Stopped }> {
  // The internal listener binds first: when its port is taken the app stops before it serves anything.
  const { servers, stopped } = await serve(
    [
      ...(opts.internal ? [{ handler, ...opts.internal }] : []),
      { handler: publicOnly(handler), port: opts.port, host: opts.host },
    ],
    opts,
  );
  const server = servers.at(-1)!;
  return { server, ...(opts.internal ? { internal: servers[0]! } : {}), stopped };
}

const PUBLIC_PATH = /^\/(?:api(?:[/.?]|$)|(?:healthz|readyz)(?:\?|$))/;

/** Whether a request target belongs on the public listener: the /api tree and the health checks. */
export function isPublicPath(url: string): boolean {
  return PUBLIC_PATH.test(url);
}

/**
 * A request target in origin form: an absolute-form one (`GET http://host/api/tasks HTTP/1.1`, which a
 * server must accept, RFC 9112 §3.2.2, and load generators and proxies send) becomes its path and query.
 */
export function originForm(url: string): string {
  if (!/^[a-z][a-z\d+.-]*:\/\//i.test(url)) return url;
  try {
    const { pathname, search } = new URL(url);
    return `${pathname}${search}`;
  } catch {
    return url;
  }
}

/** Passes on public paths only; everything else ends as the router's own 404, so nothing tells them apart. */
export function publicOnly(handler: RequestListener): RequestListener {
  return (req, res) => {
    req.url = originForm(req.url ?? '');
    if (isPublicPath(req.url)) return handler(req, res);
    const path = (req.url ?? '').split('?')[0];
    res.writeHead(404, { 'content-type': 'application/json; charset=utf-8' }).end(
      JSON.stringify({
        error: { code: 'ROUTE_NOT_FOUND', message: `no route ${req.method} ${path}`, details: [] },
      }),
    );
  };
}

async function serve(
  listeners: (Address & { handler: RequestListener })[],
  { logger, close, stopping: onStop = () => {}, metricsPort, host }: ListenOptions,
): Promise<{ servers: Server[]; stopped: Stopped }> {
  const servers: Server[] = [];
  for (const { handler, port, host } of listeners) {
    const server = createServer(handler).on('clientError', answerClientError).listen(port, host);
    await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
    servers.push(server);
  }
  if (metricsPort !== undefined) await serveMetrics({ port: metricsPort, host, logger });
  let stopping = false;
  let done: (code: 0 | 1) => void = () => {};
  const stopped = new Promise<0 | 1>((resolve) => (done = resolve));
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping');
    onStop();
    Promise.all(
      servers.map(
        (s) =>
          new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections();
          }),
      ),
    )
      .then(() => close())
      .then(
        () => done(0),
        (err: unknown) => {
          logger.error({ err }, 'error while stopping');
          done(1);
        },
      );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  return { servers, stopped };
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
