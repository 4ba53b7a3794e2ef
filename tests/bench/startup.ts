import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuild } from '../../web/build.ts';
import { cpuMs, freePort, machine } from './lib.ts';

const TASKS = 5000;
const RUNS = 3;
// As `npm start` runs it (package.json), so the tracing bootstrap's cost is counted too.
const ARGS = ['--import', './services/server/src/telemetry.ts', 'services/embedded/src/main.ts'];

interface Start {
  healthz: number;
  /** The first answered API read: the board's list and a search (which waits for the index). */
  list?: number;
  search?: number;
  /** CPU time the process used until its last answer above. */
  cpu: number;
}

/** `npm start`'s process on `port`, with its data and Node's compile cache where the run says. */
const startEmbedded = (dataDir: string, cacheDir: string, port: number) =>
  spawn(process.execPath, ARGS, {
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'silent',
      NODE_COMPILE_CACHE: cacheDir,
    },
    stdio: 'ignore',
  });

/** Spawns `npm start`'s process and times, from the spawn, the first 200 of each probe (polled every 5 ms). */
async function coldStart(dataDir: string, cacheDir: string, token?: string): Promise<Start> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const began = performance.now();
  const child = startEmbedded(dataDir, cacheDir, port);
  const first = async (path: string) => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    for (let i = 0; i < 6000; i++) {
      if (child.exitCode !== null) throw new Error(`the embedded process exited with ${child.exitCode}`);
      try {
        if ((await fetch(base + path, { headers })).ok) return Math.round(performance.now() - began);
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`${path} never answered 200`);
  };
  try {
    // One after the other: each is the first request of its kind, and the later ones start no earlier.
    const healthz = await first('/healthz');
    const list = token ? await first('/api/tasks?limit=20&q=status%3Aopen&sort=due') : undefined;
    const search = token ? await first('/api/search?q=milk') : undefined;
    return { healthz, ...(list ? { list } : {}), ...(search ? { search } : {}), cpu: cpuMs(child.pid!) };
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
  }
}

/** A data dir holding one account with `TASKS` tasks, made through the API; answers the account's token. */
async function seed(dataDir: string, cacheDir: string): Promise<string> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = startEmbedded(dataDir, cacheDir, port);
  try {
    for (;;) {
      try {
        if ((await fetch(`${base}/healthz`)).ok) break;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const signup = await fetch(`${base}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'startup@example.com', password: 'benchmark password' }),
    });
    const { token } = (await signup.json()) as { token: string };
    let next = 0;
    const worker = async () => {
      while (next < TASKS) {
        const i = next++;
        const res = await fetch(`${base}/api/tasks`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            title: `Task ${i}${i % 10 ? '' : ' buy milk'}`,
            priority: ['none', 'low', 'medium', 'high'][i % 4],
            tags: [`tag${i % 7}`],
            due: { date: `2026-12-${String(1 + (i % 28)).padStart(2, '0')}` },
          }),
        });
        if (!res.ok) throw new Error(`seed: ${res.status} ${await res.text()}`);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    return token;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** The embedded profile's cold start: spawn to the first answers, from an empty data dir and from one with 5,000 tasks. */
export async function startupBench(): Promise<string> {
  ensureBuild();
  const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
  try {
    const rows: string[] = [];
    const loads: number[] = [];
    const measure = async (what: string, dataDir: () => string, token?: string) => {
      for (const cache of ['none (first start of this code)', 'warm (every later start)']) {
        const runs: Start[] = [];
        for (let i = 0; i < RUNS; i++) {
          // A fresh cache dir per run when there should be none; one shared dir, filled by a first start, when warm.
          const cacheDir = cache.startsWith('none')
            ? mkdtempSync(join(dir, 'cache-'))
            : join(dir, 'warm-cache');
          if (!cache.startsWith('none') && i === 0) await coldStart(dataDir(), cacheDir, token);
          loads.push(loadavg()[0]!);
          runs.push(await coldStart(dataDir(), cacheDir, token));
        }
        const median = (pick: (s: Start) => number | undefined) => {
          const xs = runs.map(pick).filter((x): x is number => x !== undefined);
          if (!xs.length) return '–';
          xs.sort((a, b) => a - b);
          return `${xs[Math.floor(xs.length / 2)]} (${xs[0]}–${xs.at(-1)})`;
        };
        rows.push(
          `| ${what} | ${cache} | ${median((s) => s.healthz)} | ${median((s) => s.list)} | ${median((s) => s.search)} | ${median((s) => s.cpu)} |`,
        );
      }
    };
    let empty = 0;
    await measure('empty', () => mkdtempSync(join(dir, `empty-${empty++}-`)));
    const full = join(dir, 'full');
    const seedStart = performance.now();
    const token = await seed(full, join(dir, 'seed-cache'));
    const seedSeconds = ((performance.now() - seedStart) / 1000).toFixed(0);
    await measure(`${TASKS.toLocaleString('en')} tasks`, () => full, token);
    const load = `${Math.min(...loads).toFixed(1)} to ${Math.max(...loads).toFixed(1)}`;
    return [
      '## Embedded profile: cold start',
      '',
      `Machine: ${machine()}, commit ${commit()}. Load average (1 min) ${load} while measured.`,
      `The process \`npm start\` runs (\`node ${ARGS.join(' ')}\`), web build current, from its spawn to the`,
      'first 200 of each probe, asked in turn (every 5 ms): `/healthz`, then the board list',
      '`GET /api/tasks?limit=20&q=status:open&sort=due` and `GET /api/search?q=milk` with a bearer token.',
      `Median of ${RUNS} starts (min–max), ms; CPU = the process's user + system time until its last answer.`,
      `The ${TASKS.toLocaleString('en')} tasks belong to one account (made through the API in ${seedSeconds} s).`,
      "Compile cache: Node's (services/embedded/src/main.ts turns it on); none = a first start after install or an upgrade.",
      '',
      '| data dir | compile cache | /healthz | first list | first search | CPU ms |',
      '| --- | --- | --- | --- | --- | --- |',
      ...rows,
    ].join('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function commit(): string {
  try {
    return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
