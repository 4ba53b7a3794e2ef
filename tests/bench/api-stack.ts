import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type autocannon from 'autocannon';
import { MongoClient } from 'mongodb';
import { stackPorts } from '../../deploy/local/ports.ts';
import {
  attachApps,
  readRunningStack,
  startStack,
  type AttachedApps,
  type StackInfo,
} from '../../deploy/local/stack.ts';
import { load, machine, type LoadResult } from './lib.ts';

// The task API through the local stack, every request as the web app sends it: into the web app's daprd,
// on to the called app's daprd (mTLS, access control), then the app and FerretDB on PostgreSQL.

const ACCOUNTS = 10;
const TASKS_PER_ACCOUNT = 300;
const SEED_CONCURRENCY = 16;
const SECONDS = 10;
const USERS = [50, 200, 1000];
/** The board's list as the issue measured it: high-priority tasks tagged t3, 20 a page. */
const BOARD = `/api/tasks?limit=20&q=${encodeURIComponent('priority:high #t3')}`;
const HELLO_APP = 'bench-hello';

interface Account {
  token: string;
  ids: string[];
}

interface Target {
  /** Where requests go: an app's own port, or `…/v1.0/invoke/<app>/method` on the web app's daprd. */
  base(app: string): string;
  headers: Record<string, string>;
}

function taskBody(i: number): string {
  const day = String(1 + (i % 28)).padStart(2, '0');
  return JSON.stringify({
    title: `Board task ${i}`,
    priority: ['none', 'low', 'medium', 'high'][i % 4],
    tags: [`t${i % 7}`, ...(i % 5 === 0 ? ['home'] : [])],
    due: { date: `2026-12-${day}`, ...(i % 2 ? { time: '09:30' } : {}) },
    ...(i % 3 === 0 ? { notes: `Notes for task ${i}: what to bring, who to call.` } : {}),
  });
}

async function post(url: string, body: string, token?: string): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  if (!res.ok) throw new Error(`POST ${url}: ${res.status} ${await res.text()}`);
  return (await res.json()) as Record<string, unknown>;
}

/** ACCOUNTS owners with TASKS_PER_ACCOUNT tasks each, made on the tasks app's own port. */
async function seed(tasks: string): Promise<Account[]> {
  const run = Date.now().toString(36);
  const accounts: Account[] = [];
  for (let a = 0; a < ACCOUNTS; a++) {
    const { token } = (await post(
      `${tasks}/api/auth/signup`,
      JSON.stringify({ email: `board-${run}-${a}@example.com`, password: 'benchmark password' }),
    )) as { token: string };
    accounts.push({ token, ids: [] });
  }
  const jobs = accounts.flatMap((acc) => Array.from({ length: TASKS_PER_ACCOUNT }, (_, i) => ({ acc, i })));
  let next = 0;
  await Promise.all(
    Array.from({ length: SEED_CONCURRENCY }, async () => {
      while (next < jobs.length) {
        const { acc, i } = jobs[next++]!;
        acc.ids.push((await post(`${tasks}/api/tasks`, taskBody(i), acc.token)).id as string);
      }
    }),
  );
  return accounts;
}

/** Waits until the relay has published every pending event, so the runs do not share the CPU with it. */
async function outboxDrained(info: StackInfo): Promise<void> {
  const client = await MongoClient.connect(info.mongo.url);
  try {
    const tasks = client.db('todo').collection('tasks');
    for (let i = 0; i < 600; i++) {
      if ((await tasks.countDocuments({ pending: true })) === 0) return;
      await sleep(500);
    }
    throw new Error('the outbox did not drain in 5 minutes');
  } finally {
    await client.close();
  }
}

const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!;

/** The current run's failed answers, by request kind and status, with the first body of each. */
let failed = new Map<string, { count: number; body: string }>();

function requests(
  target: Target,
  accounts: Account[],
  choose: (r: number, a: Account) => Partial<autocannon.Request> & { app?: string },
): autocannon.Options['requests'] {
  return [
    {
      setupRequest: (req: autocannon.Request, context: { kind?: string }) => {
        const a = pick(accounts);
        const { app = 'tasks', path, ...rest } = choose(Math.random(), a);
        context['kind'] =
          `${rest.method ?? 'GET'} ${app} ${path!.split('?')[0]!.replace(/[\da-f-]{36}/g, ':id')}`;
        const headers = {
          ...target.headers,
          'content-type': 'application/json',
          authorization: `Bearer ${a.token}`,
        };
        return { ...req, method: 'GET', ...rest, path: `${target.base(app)}${path}`, headers };
      },
      onResponse: (status: number, body: string, context: { kind?: string }) => {
        if (status < 400) return;
        const key = `${context.kind} → ${status}`;
        const f = failed.get(key) ?? { count: 0, body: String(body).slice(0, 160) };
        f.count++;
        failed.set(key, f);
      },
    },
  ];
}

/** 35% board list, 15% search, 20% create, 15% PATCH priority, 10% complete, 5% a chat message. */
function mix(r: number, a: Account): Partial<autocannon.Request> & { app?: string } {
  if (r < 0.35) return { path: BOARD };
  if (r < 0.5)
    return {
      app: 'search',
      path: `/api/search?q=${encodeURIComponent(pick(['board', 'task 1', 'bring']))}&limit=20`,
    };
  if (r < 0.7) return { method: 'POST', path: '/api/tasks', body: taskBody(Math.floor(r * 1000)) };
  const id = pick(a.ids);
  if (r < 0.85) {
    const body = JSON.stringify({ priority: pick(['low', 'medium', 'high']) });
    return { method: 'PATCH', path: `/api/tasks/${id}`, body };
  }
  if (r < 0.95) return { method: 'POST', path: `/api/tasks/${id}/complete` };
  return {
    app: 'chat',
    method: 'POST',
    path: '/api/chat',
    body: JSON.stringify({ message: "what's due this week" }),
  };
}

/** CPU ticks (user + system) of the processes that match, and of their children (PostgreSQL's backends). */
function ticks(match: (cmd: string, cwd: string) => boolean): number {
  const procs = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
        let cwd = '';
        try {
          cwd = readlinkSync(`/proc/${pid}/cwd`);
        } catch {
          // another user's process
        }
        return { pid, ppid: stat[1]!, ticks: Number(stat[11]) + Number(stat[12]), cmd, cwd };
      } catch {
        return undefined; // exited meanwhile
      }
    })
    .filter((p) => p !== undefined);
  const roots = new Set(procs.filter((p) => match(p.cmd, p.cwd)).map((p) => p.pid));
  return procs.filter((p) => roots.has(p.pid) || roots.has(p.ppid)).reduce((s, p) => s + p.ticks, 0);
}

/**
 * Waits until calls through the daprds go through again. A run ends with its users' requests cut off in
 * flight, and daprd counts each cancelled call as a failure of that endpoint: five in a row open its
 * circuit breaker (resiliency.yaml) for 15 s, which the next run would measure instead of the API.
 */
async function breakersClosed(target: Target, account: Account): Promise<void> {
  const headers = { ...target.headers, authorization: `Bearer ${account.token}` };
  const probes = [`${target.base('tasks')}/api/tasks?limit=1`, `${target.base('search')}/api/search?q=x`];
  for (const url of probes)
    for (let i = 0; ; i++) {
      const res = await fetch(url, { headers });
      await res.body?.cancel();
      if (res.ok) break;
      if (i === 60) throw new Error(`${url}: ${res.status} for a minute after the run`);
      await sleep(1000);
    }
}

/** What to watch while a run goes: the processes on the request path of this stack. */
function watched(info: StackInfo): Record<string, (cmd: string, cwd: string) => boolean> {
  const ports = stackPorts(info.portBase);
  const daprd = (app: string) => (cmd: string) =>
    cmd.includes('daprd') && cmd.includes(`--dapr-http-port ${info.sidecars[app]!.http} `);
  const root = process.cwd();
  return {
    FerretDB: (cmd) => cmd.includes('ferretdb') && cmd.includes(`127.0.0.1:${ports.mongo}`),
    PostgreSQL: (cmd) => cmd.includes('bin/postgres') && cmd.includes(`-p ${ports.postgres} `),
    'tasks app': (cmd, cwd) => cmd.includes('services/tasks/src/server.ts') && cwd === root,
    'tasks daprd': daprd('tasks'),
    'web daprd': daprd('web'),
  };
}

interface Run {
  name: string;
  users: number;
  r: LoadResult;
  cpu: Record<string, number>;
  failed: Map<string, { count: number; body: string }>;
}

async function measure(info: StackInfo, name: string, users: number, opts: autocannon.Options): Promise<Run> {
  const watch = watched(info);
  const before = Object.fromEntries(Object.entries(watch).map(([k, m]) => [k, ticks(m)]));
  failed = new Map();
  const t0 = performance.now();
  const r = await load({ connections: users, duration: SECONDS, ...opts });
  const seconds = (performance.now() - t0) / 1000;
  // Ticks are 1/100 s: ticks per second is percent of one core.
  const cpu = Object.fromEntries(
    Object.entries(watch).map(([k, m]) => [k, Math.round((ticks(m) - before[k]!) / seconds)]),
  );
  console.log(`${name} @ ${users}: ${r.rps}/s p50 ${r.p50} p99 ${r.p99} errors ${r.errors}`);
  for (const [key, f] of failed) console.log(`  ${key} × ${f.count}: ${f.body}`);
  return { name, users, r, cpu, failed };
}

/** The tasks API through the stack's daprds, beside a bare Koa and a bare daprd-invoked hello-world. */
export async function apiStackBench(): Promise<string> {
  const running = await readRunningStack();
  const started = running ? undefined : await startStack({ log: (l) => console.log(`[stack] ${l}`) });
  const info = running ?? started!.info;
  const helloPort = stackPorts(info.portBase).app(31);
  let hello: AttachedApps | undefined;
  try {
    hello = await attachApps(info, [
      {
        name: HELLO_APP,
        command: process.execPath,
        args: ['tests/bench/hello.ts'],
        port: helloPort,
        env: { PORT: String(helloPort) },
        health: '/',
        dapr: { config: fileURLToPath(new URL('hello-dapr-config.yaml', import.meta.url)) },
      },
    ]);
    const tasks = `http://127.0.0.1:${info.apps['tasks']}`;
    const seedStart = performance.now();
    const accounts = await seed(tasks);
    await outboxDrained(info);
    const seedSeconds = ((performance.now() - seedStart) / 1000).toFixed(0);

    const direct: Target = { base: (app) => `http://127.0.0.1:${info.apps[app]}`, headers: {} };
    const viaDapr: Target = {
      base: (app) => `http://127.0.0.1:${info.sidecars['web']!.http}/v1.0/invoke/${app}/method`,
      headers: { 'dapr-api-token': info.tokens['web']!.daprApiToken },
    };
    const runs: Run[] = [];
    for (const users of USERS) {
      const go = async (name: string, opts: autocannon.Options) => {
        runs.push(await measure(info, name, users, opts));
        await breakersClosed(viaDapr, accounts[0]!);
      };
      await go('bare Koa hello-world', { url: `http://127.0.0.1:${helloPort}/` });
      await go('bare hello-world through two daprds', {
        url: `${viaDapr.base(HELLO_APP)}/`,
        headers: viaDapr.headers,
      });
      await go('board list, tasks app direct', {
        url: direct.base('tasks'),
        requests: requests(direct, accounts, () => ({ path: BOARD })),
      });
      await go('board list through two daprds', {
        url: viaDapr.base('tasks'),
        requests: requests(viaDapr, accounts, () => ({ path: BOARD })),
      });
      await go('mix through two daprds', {
        url: viaDapr.base('tasks'),
        requests: requests(viaDapr, accounts, mix),
      });
      await outboxDrained(info);
    }
    return report(runs, seedSeconds);
  } finally {
    await hello?.stop();
    await started?.stop();
  }
}

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

function report(runs: Run[], seedSeconds: string): string {
  const cpuNames = Object.keys(runs[0]!.cpu);
  const rows = runs.map(
    ({ name, users, r, cpu }) =>
      `| ${name} | ${users} | ${r.rps} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.requests} | ${r.errors ? JSON.stringify(r.failures) : 0} | ${cpuNames.map((k) => cpu[k]).join(' | ')} |`,
  );
  const ratios = USERS.map((u) => {
    const rps = (name: string) => runs.find((x) => x.users === u && x.name === name)!.r.rps;
    const list = rps('board list through two daprds');
    return `${u} users: board list ${((list / rps('bare hello-world through two daprds')) * 100).toFixed(0)}% of the daprd ceiling, ${((list / rps('bare Koa hello-world')) * 100).toFixed(0)}% of Koa's`;
  });
  return [
    '## Task API through the stack',
    '',
    `Machine: ${machine()}, commit ${commit()}. The whole stack (Kafka, FerretDB 1.24 on PostgreSQL, Redis, the`,
    'Dapr control plane, six apps with their daprds) and the load generator (autocannon, closed loop: each user',
    'sends its next request when the last one answered) on the same 2 cores.',
    `Setup: ${ACCOUNTS} accounts with ${TASKS_PER_ACCOUNT} tasks each (seeded in ${seedSeconds} s on the tasks app's port, 16 at a time,`,
    `until the outbox was empty); ${SECONDS} s per run; a random account per request.`,
    `Board list: \`GET ${decodeURIComponent(BOARD)}\`. "Through two daprds": into the web app's daprd,`,
    '`/v1.0/invoke/<app>/method/…`, as the web app calls the API. Mix: 35% board list, 15% search, 20% create,',
    '15% PATCH priority, 10% complete, 5% a chat message ("what\'s due this week", which reads through chat\'s daprd).',
    'CPU columns: % of one core during the run.',
    '',
    `| target | users | req/s | p50 ms | p95 ms | p99 ms | requests | errors | ${cpuNames.join(' | ')} |`,
    `| --- | --- | --- | --- | --- | --- | --- | --- | ${cpuNames.map(() => '---').join(' | ')} |`,
    ...rows,
    '',
    `Ratios: ${ratios.join('; ')}.`,
    ...(runs.some((x) => x.failed.size > 0)
      ? [
          '',
          'What failed (request → status × count: the first answer of each):',
          '',
          ...runs.flatMap(({ name, users, failed: f }) =>
            [...f].map(([key, { count, body }]) => `- ${name} @ ${users}: ${key} × ${count}: \`${body}\``),
          ),
        ]
      : []),
  ].join('\n');
}
