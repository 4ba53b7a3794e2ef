// Builds and runs the FerretDB wrapper in this folder (main.go): the MongoDB-wire server of the
// integration tests and the local stack. See docs/decisions/0004-ferretdb-for-tests.md.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { config } from '../config.ts';
import { goBinary } from '../proc.ts';

const moduleDir = path.dirname(fileURLToPath(import.meta.url));
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
// A cold build compiles modernc.org/sqlite (a C-to-Go translation): minutes on a small, busy machine.
const BUILD_TIMEOUT_MS = 20 * 60_000;
const LOG_TAIL_LINES = 30;

export interface FerretDb {
  /** mongodb://127.0.0.1:PORT/ */
  url: string;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s); safe to call twice. */
  stop(): Promise<void>;
}

/** Builds the FerretDB binary once per version and source hash into the user cache; returns its path. */
export async function ensureFerretDbBinary(): Promise<string> {
  const sources = await Promise.all(
    ['go.mod', 'go.sum', 'main.go'].map((f) => readFile(path.join(moduleDir, f))),
  );
  const version = /github\.com\/FerretDB\/FerretDB v(\S+)/.exec(sources[0]!.toString())?.[1];
  if (!version) throw new Error(`${moduleDir}/go.mod does not require github.com/FerretDB/FerretDB`);
  const hash = createHash('sha256');
  for (const s of sources) hash.update(s);
  const bin = path.join(
    config.cacheDir,
    `ferretdb-${version}-${hash.digest('hex').slice(0, 12)}`,
    'ferretdb',
  );
  if (await isExecutable(bin)) return bin;

  const go = await goBinary();
  await mkdir(path.dirname(bin), { recursive: true });
  // Build beside the target and rename: a concurrent run never sees a half-written binary.
  const tmp = `${bin}.tmp-${process.pid}`;
  process.stderr.write(
    `ferretdb: building FerretDB ${version} into ${bin} (first run only; can take minutes)\n`,
  );
  try {
    await run(go, ['build', '-trimpath', '-buildvcs=false', '-o', tmp, '.'], {
      cwd: moduleDir,
      // GOWORK=off: a go.work higher up must not pull this module into someone else's build.
      env: { ...config.inheritedEnv, GOWORK: 'off', CGO_ENABLED: '0' },
      timeoutMs: BUILD_TIMEOUT_MS,
    });
    await rename(tmp, bin);
  } finally {
    await rm(tmp, { force: true });
  }
  return bin;
}

/**
 * Starts FerretDB on 127.0.0.1 (port 0 or omitted: a free one) with its SQLite files in `dataDir`, and
 * resolves once it answers `ping`.
 */
export async function startFerretDb(opts: { port?: number; dataDir: string }): Promise<FerretDb> {
  const bin = await ensureFerretDbBinary();
  await mkdir(opts.dataDir, { recursive: true });
  const pickPort = !opts.port;
  // A picked port can be taken between our probe and FerretDB's bind: try another one then.
  for (let attempt = 1; ; attempt++) {
    const port = pickPort ? await freePort() : opts.port!;
    try {
      return await startOnce(bin, port, opts.dataDir);
    } catch (err) {
      if (!(pickPort && attempt < 3 && err instanceof AddressInUseError)) throw err;
    }
  }
}

class AddressInUseError extends Error {}

async function startOnce(bin: string, port: number, dataDir: string): Promise<FerretDb> {
  const url = `mongodb://127.0.0.1:${port}/`;
  const child = spawn(
    bin,
    ['-listen-addr', `127.0.0.1:${port}`, '-data-dir', dataDir, '-exit-on-stdin-eof'],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const log = tailLines(child, LOG_TAIL_LINES);
  const exited = new Promise<string>((resolve) => {
    child.on('error', (err) => resolve(`could not be started (${err.message})`));
    child.on('exit', (code, signal) =>
      resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`),
    );
  });
  const describe = (what: string) =>
    `FerretDB (${bin}, ${url}) ${what}. Last lines of its log:\n${log.text() || '(empty)'}`;

  const giveUp = new AbortController();
  const ready = await Promise.race([
    waitForPing(url, giveUp.signal),
    exited.then((how) => ({ exited: how })),
  ]);
  giveUp.abort();
  if (ready !== true) {
    if ('exited' in ready) {
      const message = describe(ready.exited);
      throw /address already in use/i.test(log.text()) ? new AddressInUseError(message) : new Error(message);
    }
    await stopChild(child, exited);
    throw new Error(describe(`did not answer ping within ${READY_TIMEOUT_MS / 1000} s (${ready.lastError})`));
  }
  return { url, stop: () => stopChild(child, exited) };
}

async function waitForPing(url: string, signal: AbortSignal): Promise<true | { lastError: string }> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = 'no attempt';
  while (Date.now() < deadline && !signal.aborted) {
    const client = new MongoClient(url, {
      directConnection: true,
      serverSelectionTimeoutMS: 1_000,
      connectTimeoutMS: 1_000,
    });
    try {
      await client.db('admin').command({ ping: 1 });
      return true;
    } catch (err) {
      // Expected while the server starts: keep the reason for the timeout message.
      lastError = err instanceof Error ? err.message : String(err);
    } finally {
      await client.close();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { lastError };
}

async function stopChild(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Keeps the last `max` lines of the child's stdout and stderr, for error messages. */
function tailLines(child: ChildProcess, max: number): { text(): string } {
  const lines: string[] = [];
  let partial = '';
  const onData = (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
    if (lines.length > max) lines.splice(0, lines.length - max);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  return { text: () => [...lines, partial].filter(Boolean).join('\n') };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  await new Promise((r) => server.close(r));
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function run(
  cmd: string,
  args: string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = tailLines(child, LOG_TAIL_LINES);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs);
    const fail = (why: string) =>
      reject(
        new Error(`\`${cmd} ${args.join(' ')}\` in ${opts.cwd} ${why}:\n${log.text() || '(no output)'}`),
      );
    child.on('error', (err) => {
      clearTimeout(timer);
      fail(`could not be started (${err.message})`);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else
        fail(
          signal
            ? `was killed by ${signal} (timeout ${opts.timeoutMs / 60_000} min?)`
            : `exited with code ${code}`,
        );
    });
  });
}
