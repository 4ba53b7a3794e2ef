import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { createTokens } from '@todo/server';
import { readRunningStack, startStack, type StackInfo } from '../../deploy/local/stack.ts';
import { freePort, load, machine, startNode, type LoadResult } from './lib.ts';

// `npm run bench search`: the search index at 10k and 100k tasks spread over 1,000 owners (indexing
// throughput; /api/search latency through the search app's HTTP server in a process of its own, beside a
// bare Koa hello-world in the same run), and indexing lag through the stack at 200 writes a second.
const OWNERS = 1_000;
// Misspelt, prefix and exact words, with and without filters and sorts: what a search box sends.
const QUERIES = [
  'q=invoce',
  'q=electrcity%20inv',
  'q=dentist',
  'q=pass',
  'q=groceries&filter=%23errands',
  'q=rent&filter=priority%3Ahigh',
  'filter=%23work%20due%3C%2B7d&sort=due',
  'q=plants&sort=-priority',
  'filter=status%3Aopen&sort=title',
  'q=birthdy%20gift',
];

interface EngineRun {
  engine: string;
  tasks: number;
  indexPerSecond: number;
  heapMb: number;
  search: LoadResult;
}

/** Fills an index with `n` tasks in a server process of its own, then loads its /api/search. */
async function engineRun(engine: string, n: number, env: Record<string, string> = {}): Promise<EngineRun> {
  const secret = 'bench-secret-bench-secret-bench-secret!';
  const port = await freePort();
  const server = await startNode(
    'tests/bench/search-server.ts',
    { ...env, PORT: String(port), TASKS: String(n), OWNERS: String(OWNERS), JWT_SECRET: secret },
    `http://127.0.0.1:${port}/bench/stats`,
    `.data/bench/search-${n}.log`,
    600_000,
  );
  try {
    const stats = (await (await fetch(`http://127.0.0.1:${port}/bench/stats`)).json()) as {
      indexPerSecond: number;
      heapMb: number;
    };
    const tokens = createTokens(secret);
    const bearer = await Promise.all(
      Array.from({ length: OWNERS }, (_, i) => tokens.sign({ id: `owner-${i}`, tz: 'Europe/Berlin' })),
    );
    let k = 0;
    const search = await load({
      url: `http://127.0.0.1:${port}`,
      connections: 10,
      duration: 10,
      requests: [
        {
          setupRequest: (req) => {
            k++;
            return {
              ...req,
              path: `/api/search?${QUERIES[k % QUERIES.length]}`,
              headers: { authorization: `Bearer ${bearer[(k * 7919) % OWNERS]}` },
            };
          },
        },
      ],
    });
    return { engine, tasks: n, ...stats, search };
  } finally {
    server.kill();
  }
}

interface LagRun {
  target: number;
  achieved: number;
  written: number;
  failed: Record<string, number>;
  found: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/**
 * Creates tasks at `perSecond` for `seconds` through the chat's daprd, and measures when each is first
 * found by /api/search through daprd (a poller reads the newest 100 every 20 ms).
 */
async function stackLag(info: StackInfo, perSecond: number, seconds: number): Promise<LagRun> {
  const dapr = `http://127.0.0.1:${info.sidecars['chat']!.http}/v1.0/invoke`;
  const headers = { 'dapr-api-token': info.tokens['chat']!.daprApiToken, 'content-type': 'application/json' };
  // Signing up is not an operation chat may invoke on the task service: the account is made on its port.
  const signup = await fetch(`http://127.0.0.1:${info.apps['tasks']}/api/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: `bench-${randomUUID()}@example.com`, password: 'correct horse battery' }),
  });
  const { token } = (await signup.json()) as { token: string };
  const auth = { ...headers, authorization: `Bearer ${token}` };
  const written = new Map<string, number>();
  const failed: Record<string, number> = {};
  const lags: number[] = [];
  let writing = true;
  const poller = (async () => {
    let quietSince = performance.now();
    // Until every write is found, or nothing new was found for 30 s once the writes are done.
    while (writing || (lags.length < written.size && performance.now() - quietSince < 30_000)) {
      if (writing) quietSince = performance.now();
      const res = await fetch(`${dapr}/search/method/api/search?sort=created&limit=100`, { headers: auth });
      const now = performance.now();
      for (const h of ((await res.json()) as { hits: { id: string }[] }).hits) {
        const at = written.get(h.id);
        if (at === undefined || at < 0) continue;
        lags.push(now - at);
        written.set(h.id, -1);
        quietSince = now;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const t0 = performance.now();
  const writes: Promise<void>[] = [];
  for (let i = 0; i < perSecond * seconds; i++) {
    const wait = t0 + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    writes.push(
      fetch(`${dapr}/tasks/method/api/tasks`, {
        method: 'POST',
        headers: auth,
        body: JSON.stringify({ title: `bench lag ${i} invoice` }),
        signal: AbortSignal.timeout(30_000),
      }).then(
        async (res) => {
          const at = performance.now();
          const body = (await res.json()) as { id?: string };
          if (res.status === 201 && body.id) written.set(body.id, at);
          else failed[res.status] = (failed[res.status] ?? 0) + 1;
        },
        () => {
          failed.transport = (failed.transport ?? 0) + 1;
        },
      ),
    );
  }
  await Promise.all(writes);
  const achieved = Math.round(written.size / ((performance.now() - t0) / 1000));
  writing = false;
  await poller;
  lags.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round(lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))] ?? NaN);
  return {
    target: perSecond,
    achieved,
    written: written.size,
    failed,
    found: lags.length,
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    max: pct(100),
  };
}

export async function searchBench(): Promise<string> {
  mkdirSync('.data/bench', { recursive: true });
  const port = await freePort();
  const hello = await startNode(
    'tests/bench/hello.ts',
    { PORT: String(port) },
    `http://127.0.0.1:${port}/`,
    '.data/bench/hello.log',
  );
  let ceiling: LoadResult;
  try {
    ceiling = await load({ url: `http://127.0.0.1:${port}/`, connections: 10, duration: 10 });
  } finally {
    hello.kill();
  }
  const runs: EngineRun[] = [];
  // MEILI_URL is this process's (it adds the Meilisearch rows); the embedded runs must not inherit it.
  for (const n of [10_000, 100_000])
    runs.push(await engineRun('embedded (MiniSearch)', n, { MEILI_URL: '' }));
  const meili = process.env.MEILI_URL;
  if (meili) {
    const env = { MEILI_URL: meili, MEILI_MASTER_KEY: process.env.MEILI_MASTER_KEY ?? '' };
    for (const n of [10_000, 100_000]) runs.push(await engineRun('Meilisearch', n, env));
  }
  const running = await readRunningStack();
  const started = running ? undefined : await startStack({ log: (l) => console.log(`[stack] ${l}`) });
  const lags: LagRun[] = [];
  try {
    for (const [rate, seconds] of [
      [25, 20],
      [200, 10],
    ] as const)
      lags.push(await stackLag(running ?? started!.info, rate, seconds));
  } finally {
    await started?.stop();
  }
  const row = (r: EngineRun) =>
    `| ${r.engine} | ${r.tasks.toLocaleString('en')} | ${r.indexPerSecond.toLocaleString('en')} | ${r.engine.startsWith('Meili') ? 'n/a' : r.heapMb} | ${r.search.rps} | ${r.search.p50} | ${r.search.p95} | ${r.search.p99} | ${r.search.errors} |`;
  return `## Search

${machine()}. Tasks spread over ${OWNERS.toLocaleString('en')} owners; queries: misspelt, prefix and exact words, with
and without filters and sorts, each as a random owner. Latency is \`GET /api/search\` through the search app's
HTTP server (auth, query parsing, the index, the JSON answer), 10 connections for 10 s; indexing is
\`SearchIndex.apply\` in batches of 1,000.

| engine | tasks | indexed / s | heap MB | searches / s | p50 ms | p95 ms | p99 ms | errors |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${runs.map(row).join('\n')}
| ceiling: bare Koa hello-world | | | | ${ceiling.rps} | ${ceiling.p50} | ${ceiling.p95} | ${ceiling.p99} | ${ceiling.errors} |

Indexing lag through the stack: tasks created through the chat's daprd (the tasks app, its outbox, Kafka,
the search app's daprd and indexer), each timed from its 201 until \`/api/search\` through daprd finds it
(goal: under 1 s at 200 writes a second).

| target writes / s | achieved | written | failed | found | lag p50 ms | p95 ms | p99 ms | max ms |
| --- | --- | --- | --- | --- | --- | --- | --- | --- |
${lags.map((l) => `| ${l.target} | ${l.achieved} | ${l.written} | ${JSON.stringify(l.failed)} | ${l.found} | ${l.p50} | ${l.p95} | ${l.p99} | ${l.max} |`).join('\n')}

Reading: the goal is p95 under 50 ms at 100k tasks. The embedded engine's cost is one owner's tasks (one
index per owner); Meilisearch shares these two cores with the search app and the load generator, and its
per-request cost is its own HTTP round trip and ranking. The lag is set by the path before the index, not by
the indexer (the search app takes an event in 0.2 to 1.5 ms): at 25 writes a second an event reaches the
index in tens of milliseconds; at 200 a second the stack, sharing the two cores with the load, accepts fewer
writes than offered (on a busy machine daprd's circuit breaker refuses many with 500) and the events queue
in the outbox relay and the Dapr deliveries, so the lag grows as long as the burst lasts. That write path is
issue 15's first item. The poller reads the newest 100 tasks, so it can miss some of a backlog.
${meili ? '' : '\nMeilisearch: not run here (no server on this machine; set MEILI_URL and MEILI_MASTER_KEY to add its rows).\n'}`;
}
