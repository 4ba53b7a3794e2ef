// Helpers for the apps' tests (not for production code): serving an app on a free port, calling it, and
// reading a Server-Sent Events stream. Imported as '@todo/server/testing'.
import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Reply {
  status: number;
  headers: Headers;
  body: any;
}

export interface CallOptions {
  /** JSON-encoded unless already a string (then sent as is, with the content type the headers give). */
  body?: unknown;
  token?: string;
  headers?: Record<string, string>;
}

/** A JSON client for one origin: answers the status, headers and the parsed JSON (or the text). */
export function apiCaller(base: string) {
  return async function call(
    method: string,
    path: string,
    { body, token, headers = {} }: CallOptions = {},
  ): Promise<Reply> {
    const res = await fetch(base + path, {
      method,
      headers: {
        ...(body !== undefined && typeof body !== 'string' ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    const isJson = res.headers.get('content-type')?.includes('json');
    return { status: res.status, headers: res.headers, body: isJson && text ? JSON.parse(text) : text };
  };
}

/** Serves `handler` on a free loopback port; `close` ends open connections (streams) too. */
export async function serveForTests(handler: RequestListener) {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    call: apiCaller(base),
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

export interface Frame {
  /** When the frame arrived (ms since the epoch). */
  receivedAt?: number;
  id?: string;
  event?: string;
  data?: any;
  comment?: string;
}

/** Opens an SSE stream and collects its frames; `next()` waits for the next frame that matches. */
export async function openEventStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  const frames: Frame[] = [];
  let ended = false;
  let notify: () => void = () => {};
  if (res.ok && res.body) {
    void (async () => {
      const decoder = new TextDecoder();
      let buffer = '';
      try {
        for await (const chunk of res.body as AsyncIterable<Uint8Array>) {
          buffer += decoder.decode(chunk, { stream: true });
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            frames.push({ ...parseFrame(buffer.slice(0, end)), receivedAt: Date.now() });
            buffer = buffer.slice(end + 2);
            notify();
          }
        }
      } catch {
        // aborted
      }
      ended = true;
      notify();
    })();
  }
  let read = 0;
  /** The next frame (after those already taken) that matches, within `ms`. */
  async function next(
    match: (f: Frame) => boolean = (f) => f.event !== undefined,
    ms = 2000,
  ): Promise<Frame> {
    const until = Date.now() + ms;
    for (;;) {
      while (read < frames.length) {
        const f = frames[read++]!;
        if (match(f)) return f;
      }
      if (ended) throw new Error('the stream ended');
      const left = until - Date.now();
      if (left <= 0) throw new Error(`no frame within ${ms} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        notify = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }
  return {
    res,
    frames,
    next,
    ended: () => ended,
    /** The events (frames with an event name) received so far. */
    events: () => frames.filter((f) => f.event !== undefined),
    close: () => abort.abort(),
  };
}

function parseFrame(text: string): Frame {
  const f: Frame = {};
  for (const line of text.split('\n')) {
    if (line.startsWith(':')) f.comment = line.slice(1).trim();
    else if (line.startsWith('id: ')) f.id = line.slice(4);
    else if (line.startsWith('event: ')) f.event = line.slice(7);
    else if (line.startsWith('data: ')) f.data = JSON.parse(line.slice(6));
  }
  return f;
}

/**
 * Reads one series from a Prometheus scrape (text format): the sum of the samples named `name` whose
 * labels include `labels`. For a histogram, ask for `<name>_count` or `<name>_bucket` with its `le`.
 * (parse-prometheus-text-format was tried: it drops a histogram's labels and counts.)
 */
export function seriesValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries(
      [...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((l) => [l[1], l[2]]),
    );
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[3]);
  }
  return sum;
}

export {
  beginErrorLogScope,
  errorLogLine,
  expectErrorLog,
  recordErrorLog,
  settleErrorLogs,
  type ErrorLogLine,
  type ErrorLogMatcher,
} from './error-logs.ts';
