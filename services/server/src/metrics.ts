import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { ConsumeOutcome } from './dapr.ts';

// One registry per process (docs/decisions/0030): the embedded profile runs every app in one process and
// Prometheus scrapes a process, so each series is defined once here and every app records into it.
const registry = new Registry();
collectDefaultMetrics({ register: registry });
const registers = [registry];

/** Seconds, from a fast API answer to a reminder a minute late (and the 10,000 burst's tail). */
const LATENESS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600];

const httpDuration = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'HTTP requests served, by method, route (the router pattern, not the path) and status',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers,
});
const outboxLag = new Gauge({
  name: 'todo_outbox_lag_seconds',
  help: 'Age of the oldest event still pending in the outbox when the relay last looked (0: none pending)',
  registers,
});
const eventsPublished = new Counter({
  name: 'todo_events_published_total',
  help: 'Events handed to the broker (Dapr pub/sub, or the embedded in-process bus), by topic',
  labelNames: ['topic'] as const,
  registers,
});
const eventsConsumed = new Counter({
  name: 'todo_events_consumed_total',
  help: 'Event deliveries answered, by topic and outcome (SUCCESS, RETRY, DROP)',
  labelNames: ['topic', 'outcome'] as const,
  registers,
});
const reminderLateness = new Histogram({
  name: 'todo_reminder_lateness_seconds',
  help: 'From a reminder or due time to its inbox write (stage=inbox) and to each live SSE write (stage=sse)',
  labelNames: ['kind', 'stage'] as const,
  buckets: LATENESS_BUCKETS,
  registers,
});
let workflowCensus: (() => readonly WorkflowCount[]) | undefined;
const liveWorkflows = new Gauge({
  name: 'todo_workflows_live',
  help: 'Reminder, due and series workflows, by kind and state, as last counted',
  labelNames: ['kind', 'state'] as const,
  registers,
  // Called at every scrape; the embedded census is a grouped count of the timer table, cheap and synchronous.
  collect() {
    if (workflowCensus) setWorkflows(workflowCensus());
  },
});
function setWorkflows(counts: readonly WorkflowCount[]): void {
  liveWorkflows.reset();
  for (const { kind, state, count } of counts) liveWorkflows.set({ kind, state }, count);
}
const searchDuration = new Histogram({
  name: 'todo_search_duration_seconds',
  help: 'Time the search index took to answer /api/search',
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers,
});
const sseConnections = new Gauge({
  name: 'todo_sse_connections',
  help: 'Open notification streams (Server-Sent Events)',
  registers,
});

export interface WorkflowCount {
  kind: string;
  state: string;
  count: number;
}

/** What the apps record; each function is the one place its series is written. */
export const metrics = {
  /** The relay looked at the outbox: `oldest` is the time of the oldest pending event, if any. */
  outboxLooked(oldest: Date | undefined, now = Date.now()): void {
    outboxLag.set(oldest ? Math.max(0, (now - oldest.getTime()) / 1000) : 0);
  },
  published(topic: string, n = 1): void {
    eventsPublished.inc({ topic }, n);
  },
  consumed(topic: string, outcome: ConsumeOutcome): void {
    eventsConsumed.inc({ topic, outcome });
  },
  /** A due event (`kind` reminder or due) reached `stage`; `due` is its event time. */
  late(kind: string, stage: 'inbox' | 'sse', due: Date | string, now = Date.now()): void {
    const at = typeof due === 'string' ? Date.parse(due) : due.getTime();
    if (Number.isFinite(at)) reminderLateness.observe({ kind, stage }, Math.max(0, (now - at) / 1000));
  },
  /** Replaces the workflow counts with a fresh census (the reconciler's, or the timer table's). */
  workflows: setWorkflows,
  /**
   * Counts the workflows at each scrape from `census` (the embedded timer table is at hand); the last
   * census set stays otherwise.
   */
  workflowsFrom(census: () => readonly WorkflowCount[]): void {
    workflowCensus = census;
  },
  searched(seconds: number): void {
    searchDuration.observe(seconds);
  },
  streamOpened(): void {
    sseConnections.inc();
  },
  streamClosed(): void {
    sseConnections.dec();
  },
};

const UNMATCHED = '(unmatched)';

/** Records every request's duration by the router's pattern (ctx._matchedRoute), so ids stay out of labels. */
export function httpMetrics(): Middleware {
  return async (ctx, next) => {
    const end = httpDuration.startTimer({ method: ctx.method });
    try {
      await next();
    } finally {
      const route = ctx._matchedRoute;
      end({ route: typeof route === 'string' ? route : UNMATCHED, status: String(ctx.status) });
    }
  };
}

/**
 * Times a plain listener (the web app's pages, its /api pass-through) with `routeOf` naming the label;
 * Koa apps use httpMetrics instead.
 */
export function measured(
  handler: RequestListener,
  routeOf: (req: IncomingMessage) => string,
): RequestListener {
  return (req, res) => {
    const end = httpDuration.startTimer({ method: req.method ?? 'GET', route: routeOf(req) });
    res.once('close', () => end({ status: String(res.statusCode) }));
    handler(req, res);
  };
}

/** Answers GET /metrics in Prometheus' text format; anything else is a 404. */
export const metricsListener: RequestListener = (req, res) => {
  if ((req.url ?? '').split('?')[0] !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    return;
  }
  registry.metrics().then(
    (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
    (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
  );
};

/**
 * Serves /metrics on its own port (METRICS_PORT, as Kubernetes scrapes it), apart from the app's port.
 * It does not hold the process open: the app's own server decides when it stops.
 */
export async function serveMetrics({
  port,
  host,
  logger,
}: {
  port: number;
  host: string;
  logger: Logger;
}): Promise<Server> {
  const server = createServer(metricsListener).listen(port, host);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  server.unref();
  logger.info({ port: (server.address() as { port: number }).port }, 'metrics at /metrics');
  return server;
}

/** The text a scrape returns now (tests read it). */
export function scrape(): Promise<string> {
  return registry.metrics();
}
