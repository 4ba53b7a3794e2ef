import { mkdtempSync } from 'node:fs';
import type autocannon from 'autocannon';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, load, machine, startNode, type LoadResult } from './lib.ts';

const USERS = 50;
const TASKS_PER_USER = 100;
const SECONDS = 15;
const QUERY = encodeURIComponent('status:open priority>=medium');

interface Account {
  token: string;
  ids: string[];
}

async function json(url: string, init: RequestInit & { token?: string; body?: string }) {
  const res = await fetch(url, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
  });
  if (!res.ok) throw new Error(`${init.method} ${url}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

function taskBody(i: number): string {
  const priorities = ['none', 'low', 'medium', 'high'];
  const day = String(1 + (i % 28)).padStart(2, '0');
  return JSON.stringify({
    title: `Task ${i}`,
    priority: priorities[i % 4],
    tags: [`tag${i % 7}`],
    due: { date: `2026-12-${day}`, ...(i % 2 ? { time: '09:30' } : {}) },
  });
}

async function seed(base: string): Promise<Account[]> {
  const accounts: Account[] = [];
  for (let u = 0; u < USERS; u++) {
    const { token } = (await json(`${base}/api/auth/signup`, {
      method: 'POST',
      body: JSON.stringify({ email: `bench${u}@example.com`, password: 'benchmark password' }),
    })) as { token: string };
    const ids: string[] = [];
    for (let i = 0; i < TASKS_PER_USER; i++) {
      ids.push((await json(`${base}/api/tasks`, { method: 'POST', token, body: taskBody(i) })).id as string);
    }
    accounts.push({ token, ids });
  }
  return accounts;
}

/** 40% list with a query, 30% create, 20% update, 10% complete; each request as a random owner. */
function mixed(base: string, accounts: Account[], connections: number): autocannon.Options {
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;
  return {
    url: base,
    connections,
    duration: SECONDS,
    requests: [
      {
        setupRequest: (req: autocannon.Request) => {
          const a = pick(accounts);
          const headers = { 'content-type': 'application/json', authorization: `Bearer ${a.token}` };
          const r = Math.random();
          if (r < 0.4)
            return { ...req, method: 'GET', path: `/api/tasks?q=${QUERY}&sort=due&limit=20`, headers };
          if (r < 0.7)
            return {
              ...req,
              method: 'POST',
              path: '/api/tasks',
              headers,
              body: taskBody(Math.floor(r * 1000)),
            };
          const id = pick(a.ids);
          if (r < 0.9) {
            const body = JSON.stringify({ priority: pick(['low', 'medium', 'high']) });
            return { ...req, method: 'PATCH', path: `/api/tasks/${id}`, headers, body };
          }
          return { ...req, method: 'POST', path: `/api/tasks/${id}/complete`, headers };
        },
      },
    ],
  };
}

const row = (name: string, c: number, r: LoadResult) =>
  `| ${name} | ${c} | ${r.rps} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.requests} | ${r.errors ? JSON.stringify(r.failures) : 0} |`;

/** The embedded task API against a bare Koa hello-world, in the same run, at 50 and 500 clients. */
export async function apiBench(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-api-'));
  const [apiPort, helloPort] = [await freePort(), await freePort()];
  const api = await startNode(
    'services/embedded/src/main.ts',
    { PORT: String(apiPort), DATA_DIR: join(dir, 'data'), PREVIEW_PER_MINUTE: '100000' },
    `http://127.0.0.1:${apiPort}/healthz`,
    join(dir, 'api.log'),
  );
  const hello = await startNode(
    'tests/bench/hello.ts',
    { PORT: String(helloPort) },
    `http://127.0.0.1:${helloPort}/`,
    join(dir, 'hello.log'),
  );
  try {
    const base = `http://127.0.0.1:${apiPort}`;
    const seedStart = performance.now();
    const accounts = await seed(base);
    const seedSeconds = ((performance.now() - seedStart) / 1000).toFixed(1);
    const rows: string[] = [];
    const ratios: string[] = [];
    for (const connections of [50, 500]) {
      const ceiling = await load({ url: `http://127.0.0.1:${helloPort}/`, connections, duration: SECONDS });
      const mix = await load(mixed(base, accounts, connections));
      rows.push(
        row('bare Koa hello-world', connections, ceiling),
        row('embedded task API, mixed', connections, mix),
      );
      ratios.push(
        `${connections} clients: ${((mix.rps / ceiling.rps) * 100).toFixed(1)}% of the ceiling's throughput`,
      );
    }
    return [
      '## Embedded task API under load',
      '',
      `Machine: ${machine()}. Load generator (autocannon) on the same machine, so it takes CPU from the server.`,
      `Setup: ${USERS} accounts with ${TASKS_PER_USER} tasks each (seeded in ${seedSeconds} s through the API, scrypt sign-ups included);`,
      `${SECONDS} s per run; SQLite with synchronous=FULL in a temp dir; request logging on (pino to a file).`,
      'Mix: 40% list `status:open priority>=medium` sorted by due (20 per page), 30% create, 20% PATCH priority, 10% complete; random owner per request.',
      '',
      '| target | clients | req/s | p50 ms | p95 ms | p99 ms | requests | errors |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      `Ratio to the ceiling: ${ratios.join('; ')}.`,
    ].join('\n');
  } finally {
    api.kill('SIGTERM');
    hello.kill('SIGTERM');
  }
}
