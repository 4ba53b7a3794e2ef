import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';

/** A free loopback port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.once('error', reject);
  });
}

/** Starts a Node script on a port and waits until `probe` answers 2xx. Logs go to `logFile`. */
export async function startNode(
  script: string,
  env: Record<string, string>,
  probe: string,
  logFile: string,
  timeoutMs = 20_000,
): Promise<ChildProcess> {
  const out = openSync(logFile, 'w');
  const child = spawn(process.execPath, [script], {
    env: { ...process.env, ...env },
    stdio: ['ignore', out, out],
  });
  for (let i = 0; i < timeoutMs / 100; i++) {
    if (child.exitCode !== null)
      throw new Error(`${script} exited: ${readFileSync(logFile, 'utf8').slice(-2000)}`);
    try {
      if ((await fetch(probe)).ok) return child;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`${script} did not answer ${probe}`);
}

export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
  /** Non-2xx answers by status, and transport errors/timeouts. */
  failures: Record<string, number>;
}

/** Runs autocannon and computes percentiles from every response time (autocannon reports no p95). */
export async function load(opts: autocannon.Options): Promise<LoadResult> {
  const times: number[] = [];
  const failures: Record<string, number> = {};
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(opts, (err, res) => (err ? reject(err) : resolve(res)));
    instance.on('response', (_client, status, _bytes, ms) => {
      times.push(ms);
      if (status >= 400) failures[status] = (failures[status] ?? 0) + 1;
    });
  });
  times.sort((a, b) => a - b);
  const pct = (p: number) =>
    Math.round((times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] ?? NaN) * 10) / 10;
  return {
    requests: times.length,
    rps: Math.round(times.length / (result.duration || 1)),
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    errors: Object.values(failures).reduce((a, b) => a + b, 0) + result.errors + result.timeouts,
    failures: {
      ...failures,
      ...(result.errors ? { transport: result.errors } : {}),
      ...(result.timeouts ? { timeouts: result.timeouts } : {}),
    },
  };
}

export function machine(): string {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  return `${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString().slice(0, 16)}Z`;
}

/** Replaces the section `name` of docs/benchmarks.md (between its markers), or appends it. */
export function writeSection(file: string, name: string, body: string): void {
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  let doc =
    '# Benchmarks\n\nWritten by `npm run bench`; each section is replaced when its benchmark runs again.\n';
  try {
    doc = readFileSync(file, 'utf8');
  } catch {
    // first run
  }
  const section = `${begin}\n${body.trim()}\n${end}`;
  const at = doc.indexOf(begin);
  const next =
    at >= 0
      ? doc.slice(0, at) + section + doc.slice(doc.indexOf(end) + end.length)
      : `${doc.trimEnd()}\n\n${section}\n`;
  writeFileSync(file, next);
}

/** CPU time (user + system) a process has used so far, in ms, from /proc (Linux). */
export function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
  return (Number(fields[11]) + Number(fields[12])) * 10;
}
