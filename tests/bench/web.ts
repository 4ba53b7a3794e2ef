import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureBuild } from '../../web/build.ts';
import { cpuMs, freePort, load, machine, startNode } from './lib.ts';

const TASKS = 500;
const SERIES_EVERY = 10;
const SECONDS = 15;
// One page view at a time: the latency a person sees (the API section measures throughput).
const CONNECTIONS = 1;

/** The web app: the server-rendered board of one owner with 500 tasks, and the first page's JavaScript. */
export async function webBench(): Promise<string> {
  // Built here (when stale) so the start below is a start, not a build.
  const buildMs = ensureBuild();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-web-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = await startNode(
    'services/embedded/src/main.ts',
    { DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'silent' },
    `${base}/signin`,
    join(dataDir, 'log'),
  );
  const startMs = Math.round(performance.now() - started);
  try {
    const signup = await fetch(`${base}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        email: 'board@example.com',
        password: 'benchmark password',
        tz: 'Europe/Berlin',
      }),
    });
    const cookie = signup.headers.getSetCookie()[0]!.split(';')[0]!;
    const headers = { 'content-type': 'application/json', cookie };
    for (let i = 0; i < TASKS; i++) {
      const day = String(1 + (i % 28)).padStart(2, '0');
      const res = await fetch(`${base}/api/tasks`, {
        method: 'POST',
        headers,
        body: JSON.stringify({
          title: `Task ${i}`,
          priority: ['none', 'low', 'medium', 'high'][i % 4],
          tags: [`tag${i % 7}`],
          due: { date: `2026-${i % 2 ? '11' : '12'}-${day}`, time: '09:30' },
          ...(i % SERIES_EVERY === 0 ? { recurrence: { rrule: 'FREQ=WEEKLY;BYDAY=MO,TH' } } : {}),
        }),
      });
      if (!res.ok) throw new Error(`seed: ${res.status} ${await res.text()}`);
    }
    const board = await fetch(`${base}/board?q=`, { headers: { cookie } });
    const html = await board.text();
    const cards = html.match(/<article/g)?.length ?? 0;
    if (cards !== TASKS) throw new Error(`the board showed ${cards} tasks, expected ${TASKS}`);
    const load1 = loadavg()[0]!.toFixed(1);
    const cpuBefore = cpuMs(child.pid!);
    const r = await load({
      url: `${base}/board?q=`,
      headers: { cookie },
      connections: CONNECTIONS,
      duration: SECONDS,
    });
    const cpu = (cpuMs(child.pid!) - cpuBefore) / r.requests;
    const js = await firstLoadJs(base, cookie);
    return [
      '## Web app (server-rendered board)',
      '',
      `${machine()}. \`npm start\` from an empty data dir to the first page: ${(startMs / 1000).toFixed(1)} s ` +
        `(the web build current${buildMs ? `; building it took ${(buildMs / 1000).toFixed(1)} s before that` : ''}).`,
      '',
      `GET /board with ${TASKS} tasks of one owner (${TASKS / SERIES_EVERY} of them series, each with its rule in words and`,
      `next dates from the recurrence engine), ${html.length.toLocaleString('en')} bytes of HTML,`,
      `${CONNECTIONS} connections for ${SECONDS} s (goal: p95 under 100 ms); machine load average ${load1} when it began:`,
      '',
      '| requests | req/s | p50 ms | p95 ms | p99 ms | errors |',
      '| --- | --- | --- | --- | --- | --- |',
      `| ${r.requests} | ${r.rps} | ${r.p50} | ${r.p95} | ${r.p99} | ${r.errors} |`,
      '',
      `CPU time of the server per board: ${cpu.toFixed(0)} ms (the latency on an idle core; the rest above is waiting`,
      'for the two cores other work shares). Most of it is React rendering the 500 cards and their forms.',
      '',
      `First page load (the chat home, signed in): ${js.files} JavaScript files, ${kb(js.raw)} KiB, ${kb(js.gzip)} KiB gzipped;`,
      `CSS ${kb(js.css)} KiB. Every page works before any of it runs.`,
    ].join('\n');
  } finally {
    child.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const kb = (n: number) => (n / 1024).toFixed(1);

/** Every script and module preload the home page names, fetched and measured. */
async function firstLoadJs(base: string, cookie: string) {
  const html = await (await fetch(`${base}/`, { headers: { cookie } })).text();
  const js = new Set([...html.matchAll(/(?:src|href)="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]!));
  // The entry imports the rest; modulepreload lists them, and inline `import("/assets/...")` names the entry.
  for (const m of html.matchAll(/import\("(\/assets\/[^"]+\.js)"\)/g)) js.add(m[1]!);
  const css = [...html.matchAll(/href="(\/assets\/[^"]+\.css)"/g)].map((m) => m[1]!);
  let raw = 0;
  let gzip = 0;
  for (const path of js) {
    const body = Buffer.from(await (await fetch(base + path)).arrayBuffer());
    raw += body.length;
    gzip += gzipSync(body).length;
  }
  let cssBytes = 0;
  for (const path of css) cssBytes += (await (await fetch(base + path)).arrayBuffer()).byteLength;
  return { files: js.size, raw, gzip, css: cssBytes };
}
