import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, openSync, writeSync } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { config } from './config.ts';
import { lastLines } from './proc.ts';

/** How the supervisor knows a piece is ready: check throws (with a reason) until it is. */
export type Readiness = { describe: string; check: (signal: AbortSignal) => Promise<void> };

/** One supervised process. Everything the supervisor needs to start, watch and restart it. */
export type ProcessSpec = {
  name: string;
  command: string;
  args: readonly string[];
  /** Added to the small inherited environment (PATH, HOME, locale, GO*, JAVA_HOME …), never the whole of it. */
  env?: Readonly<Record<string, string>>;
  cwd?: string;
  ready: Readiness;
  /** Pieces that must be ready before this one starts. */
  dependsOn?: readonly string[];
  /** Runs before every start, restarts included (write config files, format storage); may add env. */
  prepare?: () => Promise<void | { env?: Record<string, string> }>;
  /** Runs after every time the piece becomes ready (create Kafka topics); a failure counts as not ready. */
  afterReady?: () => Promise<void>;
  /** Default 60 s. */
  readyTimeoutMs?: number;
  /** SIGTERM, then SIGKILL after this long. Default 10 s. */
  stopTimeoutMs?: number;
};

export type SupervisorEvent =
  | { type: 'starting'; name: string; attempt: number }
  | { type: 'ready'; name: string; ms: number; attempt: number }
  | { type: 'failed'; name: string; reason: string; logTail: string; restartInMs: number | undefined }
  | { type: 'stopped'; name: string };

/** A piece failed to start; message says which, why, and its last log lines. */
export class PieceFailedError extends Error {
  readonly piece: string;
  readonly reason: string;
  readonly logTail: string;
  constructor(piece: string, reason: string, logTail: string, logFile: string) {
    super(`${piece} failed: ${reason}\n--- last lines of ${logFile} ---\n${logTail || '(empty)'}`);
    this.name = 'PieceFailedError';
    this.piece = piece;
    this.reason = reason;
    this.logTail = logTail;
  }
}

type Piece = {
  spec: ProcessSpec;
  logFile: string;
  child: ChildProcess | undefined;
  exited: Promise<string> | undefined;
  ready: boolean;
  failures: number;
  startedAt: number;
  /** Where the current run's output starts in logFile: failure reports quote only this run. */
  logOffset: number;
};

const START_ATTEMPTS = 3;
const BACKOFF_MIN_MS = 1000;
const BACKOFF_MAX_MS = 30_000;
/**
 * A piece that stayed up this long has its backoff reset. Short, because a piece kept down delays what
 * waits for it: daprd's app health check pauses deliveries to an app that is down and resumes them once it
 * is back, and what failed meanwhile comes back from the dead letters (docs/decisions/0032).
 */
const STABLE_MS = 10_000;

/**
 * Starts processes in dependency order, waits for each to be ready, restarts the ones that die (with
 * backoff) and stops them in reverse order. Each child gets its own process group so a stop reaches its
 * children too, and writes straight into logs/<name>.log so the log survives the supervisor.
 */
export class Supervisor {
  readonly #pieces = new Map<string, Piece>();
  readonly #logsDir: string;
  readonly #onEvent: (e: SupervisorEvent) => void;
  readonly #stops = new WeakMap<ChildProcess, Promise<void>>();
  #stopping = false;

  constructor(
    specs: readonly ProcessSpec[],
    opts: { logsDir: string; onEvent?: (e: SupervisorEvent) => void },
  ) {
    this.#logsDir = opts.logsDir;
    this.#onEvent = opts.onEvent ?? (() => {});
    for (const spec of specs) {
      if (this.#pieces.has(spec.name)) throw new Error(`duplicate piece name ${spec.name}`);
      this.#pieces.set(spec.name, {
        spec,
        logFile: join(opts.logsDir, `${spec.name}.log`),
        child: undefined,
        exited: undefined,
        ready: false,
        failures: 0,
        startedAt: 0,
        logOffset: 0,
      });
    }
    for (const { spec } of this.#pieces.values()) {
      for (const dep of spec.dependsOn ?? []) {
        if (!this.#pieces.has(dep)) throw new Error(`${spec.name} depends on unknown piece ${dep}`);
      }
    }
    this.#order(); // throws on a cycle
  }

  logFile(name: string): string {
    return this.#get(name).logFile;
  }

  status(): Record<string, { ready: boolean; pid: number | undefined }> {
    const out: Record<string, { ready: boolean; pid: number | undefined }> = {};
    for (const [name, p] of this.#pieces) out[name] = { ready: p.ready, pid: p.child?.pid };
    return out;
  }

  /** Starts everything; resolves when every piece is ready, rejects with PieceFailedError if one can not start. */
  async start(): Promise<void> {
    await mkdir(this.#logsDir, { recursive: true });
    // One run per log file (restarts within the run append); the previous run's log is kept as .1.
    for (const p of this.#pieces.values()) await rename(p.logFile, `${p.logFile}.1`).catch(() => {});
    const starts = new Map<string, Promise<void>>();
    const startOne = (name: string): Promise<void> => {
      let p = starts.get(name);
      if (!p) {
        const piece = this.#get(name);
        p = Promise.all((piece.spec.dependsOn ?? []).map(startOne)).then(() => this.#startWithRetries(piece));
        starts.set(name, p);
      }
      return p;
    };
    const all = [...this.#pieces.keys()].map(startOne);
    // Fail fast on the first failure, but let the others settle before the caller stops everything.
    try {
      await Promise.all(all);
    } catch (err) {
      await Promise.allSettled(all);
      throw err;
    }
  }

  /** Stops everything in reverse dependency order (dependents first). */
  async stop(): Promise<void> {
    this.#stopping = true;
    const levels = this.#levels().reverse();
    for (const level of levels) {
      await Promise.all(level.map((name) => this.#stopOne(this.#get(name))));
    }
  }

  /** Last-resort cleanup for process exit: SIGKILL every child group, synchronously. */
  killAllNow(): void {
    this.#stopping = true;
    for (const p of this.#pieces.values()) killGroup(p.child, 'SIGKILL');
  }

  async #startWithRetries(piece: Piece): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      if (this.#stopping) throw new Error(`stopping: ${piece.spec.name} not started`);
      try {
        await this.#startOnce(piece, attempt);
        return;
      } catch (err) {
        const logTail = await this.#tail(piece); // before stopping adds shutdown noise to the log
        await this.#stopOne(piece);
        if (this.#stopping) throw new Error(`stopping: ${piece.spec.name} not started`, { cause: err });
        const reason = err instanceof Error ? err.message : String(err);
        const retry = attempt < START_ATTEMPTS && !this.#stopping;
        const delay = retry ? backoff(attempt) : undefined;
        this.#onEvent({ type: 'failed', name: piece.spec.name, reason, logTail, restartInMs: delay });
        if (delay === undefined) throw new PieceFailedError(piece.spec.name, reason, logTail, piece.logFile);
        await sleep(delay);
      }
    }
  }

  async #startOnce(piece: Piece, attempt: number): Promise<void> {
    const { spec } = piece;
    this.#onEvent({ type: 'starting', name: spec.name, attempt });
    const prepared = await spec.prepare?.();
    const fd = openSync(piece.logFile, 'a');
    writeSync(
      fd,
      `\n--- ${new Date().toISOString()} start #${attempt}: ${spec.command} ${spec.args.join(' ')}\n`,
    );
    piece.logOffset = fstatSync(fd).size;
    let child: ChildProcess;
    try {
      child = spawn(spec.command, spec.args, {
        cwd: spec.cwd ?? config.repoRoot,
        env: { ...config.inheritedEnv, ...spec.env, ...(prepared ? prepared.env : undefined) },
        stdio: ['ignore', fd, fd],
        detached: true,
      });
    } finally {
      closeSync(fd); // the child holds its own copy
    }
    piece.child = child;
    piece.ready = false;
    piece.startedAt = Date.now();
    piece.exited = new Promise((resolve) => {
      child.once('error', (err) => resolve(`could not start ${spec.command}: ${err.message}`));
      child.once('exit', (code, signal) =>
        resolve(signal ? `killed by ${signal}` : `exited with code ${code}`),
      );
    });
    void piece.exited.then((how) => this.#onExit(piece, child, how));

    const timeoutMs = spec.readyTimeoutMs ?? 60_000;
    const started = Date.now();
    // An exit ends the wait at once, also in the middle of a check (a check may hang on a port that
    // someone else holds).
    const gone = new AbortController();
    let exitedHow: string | undefined;
    void piece.exited.then((how) => {
      exitedHow = how;
      gone.abort();
    });
    let lastError = 'not checked yet';
    for (;;) {
      await sleep(0); // let an exit that already happened be seen
      if (exitedHow !== undefined)
        throw new Error(`${exitedHow} before it was ready (${spec.ready.describe})`);
      if (Date.now() - started > timeoutMs) {
        throw new Error(`not ready after ${timeoutMs / 1000} s: ${spec.ready.describe}: ${lastError}`);
      }
      try {
        await spec.ready.check(AbortSignal.any([AbortSignal.timeout(3000), gone.signal]));
        break;
      } catch (err) {
        lastError = err instanceof Error ? err.message : String(err);
      }
      await Promise.race([piece.exited, sleep(200)]);
    }
    await spec.afterReady?.();
    piece.ready = true;
    this.#onEvent({ type: 'ready', name: spec.name, ms: Date.now() - started, attempt });
  }

  async #onExit(piece: Piece, child: ChildProcess, how: string): Promise<void> {
    // Only a ready piece dying on its own is restarted here; start-up failures are handled by #startWithRetries.
    if (this.#stopping || piece.child !== child || !piece.ready) return;
    piece.ready = false;
    piece.failures = Date.now() - piece.startedAt > STABLE_MS ? 1 : piece.failures + 1;
    const delay = backoff(piece.failures);
    const logTail = await this.#tail(piece);
    this.#onEvent({ type: 'failed', name: piece.spec.name, reason: how, logTail, restartInMs: delay });
    await sleep(delay);
    for (;;) {
      if (this.#stopping) return;
      try {
        await this.#startOnce(piece, piece.failures + 1);
        return;
      } catch (err) {
        if (this.#stopping) return;
        const logTail = await this.#tail(piece);
        await this.#stopOne(piece);
        piece.failures++;
        const next = backoff(piece.failures);
        const reason = err instanceof Error ? err.message : String(err);
        this.#onEvent({ type: 'failed', name: piece.spec.name, reason, logTail, restartInMs: next });
        await sleep(next);
      }
    }
  }

  /** Stops the piece's current process; concurrent calls share one stop. */
  #stopOne(piece: Piece): Promise<void> {
    const { child } = piece;
    piece.ready = false;
    if (!child) return Promise.resolve();
    let stopping = this.#stops.get(child);
    if (!stopping) {
      stopping = this.#terminate(piece, child);
      this.#stops.set(child, stopping);
    }
    return stopping;
  }

  async #terminate(piece: Piece, child: ChildProcess): Promise<void> {
    const { exited } = piece;
    if (!exited || child.exitCode !== null || child.signalCode !== null) return;
    killGroup(child, 'SIGTERM');
    const timeout = piece.spec.stopTimeoutMs ?? 10_000;
    // The timer is cancelled once the piece has exited: a pending one would hold a caller's process open
    // (vitest's global setup) for up to the whole timeout after everything stopped.
    const timer = new AbortController();
    const done = await Promise.race([
      exited.then(() => true),
      sleep(timeout, false, { signal: timer.signal }).catch(() => true),
    ]);
    timer.abort();
    if (!done) {
      killGroup(child, 'SIGKILL');
      await exited;
    }
    this.#onEvent({ type: 'stopped', name: piece.spec.name });
  }

  #tail(piece: Piece): Promise<string> {
    return lastLines(piece.logFile, 15, piece.logOffset);
  }

  #get(name: string): Piece {
    const p = this.#pieces.get(name);
    if (!p) throw new Error(`unknown piece ${name}`);
    return p;
  }

  /** Names in dependency order; throws on a cycle. */
  #order(): string[] {
    return this.#levels().flat();
  }

  /** Pieces grouped by depth: level 0 has no dependencies, level n depends only on levels < n. */
  #levels(): string[][] {
    const depth = new Map<string, number>();
    const visiting = new Set<string>();
    const visit = (name: string): number => {
      const known = depth.get(name);
      if (known !== undefined) return known;
      if (visiting.has(name)) throw new Error(`dependency cycle through ${name}`);
      visiting.add(name);
      const deps = this.#get(name).spec.dependsOn ?? [];
      const d = deps.length === 0 ? 0 : 1 + Math.max(...deps.map(visit));
      visiting.delete(name);
      depth.set(name, d);
      return d;
    };
    for (const name of this.#pieces.keys()) visit(name);
    const levels: string[][] = [];
    for (const [name, d] of depth) (levels[d] ??= []).push(name);
    return levels.filter(Boolean);
  }
}

function backoff(failures: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** Math.max(0, failures - 1));
}

function killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole group: java, redis and node children included
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}
