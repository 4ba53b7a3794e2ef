import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RouterContext, ServerBuild } from 'react-router';
import { ensureBuild, serverBuild } from './build.ts';
import { Readable } from 'node:stream';
import { route, type ApiTarget } from './app/lib/target.ts';
import { preferProductionReact } from './env.ts';

export type { ApiTarget };
export { withFreshSession } from './refresh.ts';

const clientDir = join(import.meta.dirname, 'build/client');
const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json',
};

/** A file of the client build for a GET or HEAD, or undefined. Paths never leave build/client. */
function staticFile(req: IncomingMessage): string | undefined {
  if (req.method !== 'GET' && req.method !== 'HEAD') return undefined;
  const path = decodeURIComponent((req.url ?? '/').split('?')[0]!);
  if (path === '/' || path.includes('\0')) return undefined;
  const file = normalize(join(clientDir, path));
  if (!file.startsWith(clientDir + '/') || !existsSync(file) || !statSync(file).isFile()) return undefined;
  return file;
}

function sendFile(req: IncomingMessage, res: ServerResponse, file: string) {
  // Vite names assets by content hash: they never change, so browsers may keep them for a year.
  const immutable = (req.url ?? '').startsWith('/assets/');
  res.writeHead(200, {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': statSync(file).size,
    'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=300',
    'x-content-type-options': 'nosniff',
  });
  if (req.method === 'HEAD') res.end();
  else createReadStream(file).pipe(res);
}

/** Builds the web app when its build is missing or stale, and logs how long that took. */
export function ensureWebBuild(log?: (msg: string) => void): void {
  const ms = ensureBuild(log);
  if (ms && log) log(`web app built in ${(ms / 1000).toFixed(1)} s`);
}

export interface WebOptions {
  target: ApiTarget;
  log?: (msg: string) => void;
}

/**
 * The web app as a Node request listener: the client build's files, and every other path rendered by the
 * React Router request handler in this process. Builds the app first when the build is missing or stale.
 */
export async function createWebListener({ target, log }: WebOptions): Promise<RequestListener> {
  // React reads NODE_ENV when it is first loaded, which is below: its development build is several times slower.
  preferProductionReact();
  const { createRequestListener } = await import('@react-router/node');
  const { RouterContextProvider } = await import('react-router');
  ensureWebBuild(log);
  const build = (await import(pathToFileURL(serverBuild).href)) as ServerBuild;
  // The context key lives in the build (entry.server exports it): the loaders read the same object.
  const key = (build.entry.module as unknown as { apiContext: RouterContext<ApiTarget> }).apiContext;
  const handler = createRequestListener({
    build,
    mode: 'production',
    getLoadContext: () => new RouterContextProvider(new Map([[key, target]])),
  });
  return (req, res) => {
    const file = staticFile(req);
    if (file) sendFile(req, res, file);
    else void handler(req, res);
  };
}

// Authorization too: an API client on this origin sends a bearer token, as it does to the embedded profile's.
const PASSED = [
  'authorization',
  'cookie',
  'content-type',
  'accept',
  'last-event-id',
  'if-match',
  'idempotency-key',
  'user-agent',
];

/**
 * The browser's own /api requests (the SSE stream, the calendar feed, anything a script fetches) passed on
 * to the app that answers them, streaming both ways. Only the stack needs this; embedded, /api is served
 * by the same process.
 */
export function proxyApi(target: ApiTarget) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const { url, headers } = route(target, req.url ?? '/');
    for (const name of PASSED) {
      const v = req.headers[name];
      if (typeof v === 'string') headers[name] = v;
    }
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    try {
      const upstream = await fetch(url, {
        method: req.method ?? 'GET',
        headers,
        signal: abort.signal,
        redirect: 'manual',
        ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {}),
      });
      const out: Record<string, string | string[]> = {};
      upstream.headers.forEach((v, k) => {
        if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k))
          out[k] = v;
      });
      const cookies = upstream.headers.getSetCookie();
      if (cookies.length) out['set-cookie'] = cookies;
      res.writeHead(upstream.status, out);
      if (upstream.body)
        Readable.fromWeb(upstream.body as import('node:stream/web').ReadableStream).pipe(res);
      else res.end();
    } catch {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'UPSTREAM_FAILED', message: 'the API did not answer' } }));
    }
  };
}
