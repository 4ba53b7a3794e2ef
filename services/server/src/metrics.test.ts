import Router from '@koa/router';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { serviceApp } from './app.ts';
import { publishEvent, subscriptionRoutes } from './dapr.ts';
import { measured, metrics, metricsListener, scrape, serveMetrics } from './metrics.ts';
import { seriesValue, serveForTests } from './testing.ts';

const logger = pino({ level: 'silent' });
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((c) => c()));
});

async function serve(handler: Parameters<typeof serveForTests>[0]) {
  const s = await serveForTests(handler);
  closers.push(s.close);
  return s;
}

/** The change in a series across `act`: the registry is per process, so tests compare before and after. */
async function delta(name: string, labels: Record<string, string>, act: () => Promise<unknown>) {
  const before = seriesValue(await scrape(), name, labels);
  await act();
  return seriesValue(await scrape(), name, labels) - before;
}

describe('HTTP request duration', () => {
  it('labels each request with the route pattern and status, never the path with its ids', async () => {
    const router = new Router();
    router.get('/api/things/:id', (ctx) => {
      if (ctx.params.id === 'missing') ctx.throw(404);
      ctx.body = { id: ctx.params.id };
    });
    const { call } = await serve(serviceApp(router, { logger, jsonLimit: '1kb' }).callback());
    const route = { route: '/api/things/:id', method: 'GET' };
    const ok = await delta('http_request_duration_seconds_count', { ...route, status: '200' }, async () => {
      expect((await call('GET', '/api/things/a1')).status).toBe(200);
      expect((await call('GET', '/api/things/b2')).status).toBe(200);
    });
    expect(ok).toBe(2);
    const missing = await delta('http_request_duration_seconds_count', { ...route, status: '404' }, () =>
      call('GET', '/api/things/missing'),
    );
    expect(missing).toBe(1);
    expect(await scrape()).not.toContain('/api/things/a1');
  });

  it('puts every path no route matched under one label', async () => {
    const { call } = await serve(serviceApp(new Router(), { logger, jsonLimit: '1kb' }).callback());
    const n = await delta(
      'http_request_duration_seconds_count',
      { route: '(unmatched)', status: '404' },
      () => call('GET', `/no/such/${Math.random()}`),
    );
    expect(n).toBe(1);
  });

  it('times a plain listener under the route its caller names', async () => {
    const { call } = await serve(
      measured(
        (_req, res) => res.writeHead(204).end(),
        (req) => (req.url?.startsWith('/api') ? '/api/*' : 'page'),
      ),
    );
    const n = await delta('http_request_duration_seconds_count', { route: 'page', status: '204' }, () =>
      call('GET', '/board'),
    );
    expect(n).toBe(1);
  });
});

describe('/metrics', () => {
  it('serves the product series and the default process metrics in the text format', async () => {
    const { base } = await serve(metricsListener);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    for (const name of [
      'process_cpu_user_seconds_total',
      'nodejs_eventloop_lag_seconds',
      'http_request_duration_seconds',
      'todo_outbox_lag_seconds',
      'todo_events_published_total',
      'todo_events_consumed_total',
      'todo_reminder_lateness_seconds',
      'todo_workflows_live',
      'todo_search_duration_seconds',
      'todo_sse_connections',
    ])
      expect(text).toContain(`# TYPE ${name} `);
    expect((await fetch(`${base}/other`)).status).toBe(404);
  });

  it('serves /metrics on a port of its own', async () => {
    const server = await serveMetrics({ port: 0, host: '127.0.0.1', logger });
    closers.push(() => new Promise((r) => server.close(() => r())));
    const { port } = server.address() as { port: number };
    expect(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()).toContain('todo_sse_connections');
  });
});

describe('events', () => {
  it('counts each delivery daprd makes by topic and the outcome the consumer answered', async () => {
    const router = new Router();
    subscriptionRoutes(
      router,
      [
        {
          pubsubname: 'pubsub',
          topic: 'metrics-test',
          route: '/events/metrics-test',
          deadLetterTopic: 'metrics-test-dlq',
          consume: async (data) => ((data as { ok?: boolean })?.ok ? 'SUCCESS' : 'RETRY'),
        },
      ],
      'app-token',
    );
    const { call } = await serve(serviceApp(router, { logger, jsonLimit: '1kb' }).callback());
    const deliver = (ok: boolean) =>
      call('POST', '/events/metrics-test', {
        body: { data: { ok } },
        headers: { 'dapr-api-token': 'app-token' },
      });
    const name = 'todo_events_consumed_total';
    expect(await delta(name, { topic: 'metrics-test', outcome: 'SUCCESS' }, () => deliver(true))).toBe(1);
    expect(await delta(name, { topic: 'metrics-test', outcome: 'RETRY' }, () => deliver(false))).toBe(1);
  });

  it('counts an event as published once daprd accepted it, and not when it refused', async () => {
    let accept = true;
    const { base } = await serve((_req, res) => res.writeHead(accept ? 204 : 500).end());
    const event = { id: 'e1', type: 'task.created', subject: 't1', time: new Date().toISOString() };
    const publish = () =>
      publishEvent({ http: base }, { pubsub: 'p', topic: 'pub-test', source: 's' }, event);
    const name = 'todo_events_published_total';
    expect(await delta(name, { topic: 'pub-test' }, publish)).toBe(1);
    accept = false;
    expect(await delta(name, { topic: 'pub-test' }, () => publish().catch(() => {}))).toBe(0);
  });
});

describe('the product series', () => {
  it('keeps the outbox lag as the age of the oldest pending event, 0 once none is pending', async () => {
    metrics.outboxLooked(new Date(10_000), 12_500);
    expect(seriesValue(await scrape(), 'todo_outbox_lag_seconds')).toBe(2.5);
    metrics.outboxLooked(undefined);
    expect(seriesValue(await scrape(), 'todo_outbox_lag_seconds')).toBe(0);
  });

  it('observes reminder lateness per stage, from the event time', async () => {
    const name = 'todo_reminder_lateness_seconds';
    const n = await delta(`${name}_count`, { kind: 'reminder', stage: 'sse' }, async () => {
      metrics.late('reminder', 'sse', '2026-12-06T10:00:00.000Z', Date.parse('2026-12-06T10:00:01.500Z'));
    });
    expect(n).toBe(1);
    // 1.5 s lands in the 2 s bucket and not in the 1 s one.
    const text = await scrape();
    const bucket = (le: string) => seriesValue(text, `${name}_bucket`, { stage: 'sse', le });
    expect(bucket('2') - bucket('1')).toBeGreaterThanOrEqual(1);
  });

  it('counts the workflows from a census at every scrape', async () => {
    let sleeping = 3;
    metrics.workflowsFrom(() => [
      { kind: 'reminder', state: 'sleeping', count: sleeping },
      { kind: 'series', state: 'sleeping', count: 1 },
    ]);
    const live = async (kind: string) =>
      seriesValue(await scrape(), 'todo_workflows_live', { kind, state: 'sleeping' });
    expect(await live('reminder')).toBe(3);
    sleeping = 2;
    expect(await live('reminder')).toBe(2);
    expect(await live('series')).toBe(1);
  });

  it('follows open streams up and down', async () => {
    const open = async () => seriesValue(await scrape(), 'todo_sse_connections');
    const before = await open();
    metrics.streamOpened();
    metrics.streamOpened();
    metrics.streamClosed();
    expect((await open()) - before).toBe(1);
    metrics.streamClosed();
  });
});
