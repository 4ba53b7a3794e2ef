import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { fixedClock, timerId, type TimerJob } from '@todo/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSqliteScheduler, type SqliteScheduler } from './scheduler.embedded.ts';

const dirs: string[] = [];
const open: SqliteScheduler[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'timers-'));
  dirs.push(d);
  return d;
}
function scheduler(file = ':memory:', extra: Partial<Parameters<typeof createSqliteScheduler>[0]> = {}) {
  const s = createSqliteScheduler({ file, retryBaseMs: 20, ...extra });
  open.push(s);
  return s;
}
const job = (taskId: string): TimerJob => ({ kind: 'due', owner: 'u', taskId, at: '2025-01-01T00:00:00Z' });
const soon = (ms: number) => new Date(Date.now() + ms);
const ran = (fired: string[]) => (j: TimerJob) => {
  fired.push(j.kind === 'due' ? j.taskId : j.kind);
  return Promise.resolve();
};

describe('the SQLite timer table', () => {
  it('fires timers in order of their time and deletes them after', async () => {
    const s = scheduler();
    const fired: string[] = [];
    await s.schedule('c', soon(60), job('c'));
    await s.schedule('a', soon(20), job('a'));
    await s.schedule('b', soon(40), job('b'));
    await s.schedule('past', new Date(0), job('past'));
    s.start(ran(fired));
    await vi.waitFor(() => expect(fired).toHaveLength(4), { timeout: 5000 });
    expect(fired).toEqual(['past', 'a', 'b', 'c']);
    await vi.waitFor(() => expect(s.list()).toEqual([]));
  });

  it('counts its timers by workflow kind and state, for /metrics', async () => {
    const s = scheduler();
    const later = new Date(Date.now() + 60_000);
    await s.schedule('d1', later, job('d1'));
    await s.schedule('d2', later, job('d2'));
    const series: TimerJob = {
      kind: 'materialise',
      owner: 'u',
      seriesId: 's',
      fromTaskId: 't',
      occurrence: '2025-01-01',
    };
    await s.schedule('s1', later, series);
    expect(s.census().sort((x, y) => x.kind.localeCompare(y.kind))).toEqual([
      { kind: 'due', state: 'sleeping', count: 2 },
      { kind: 'series', state: 'sleeping', count: 1 },
    ]);
    await s.cancel('d2');
    expect(s.census().find((c) => c.kind === 'due')?.count).toBe(1);
  });

  it('replaces a timer with the same key and forgets a cancelled one', async () => {
    const s = scheduler();
    const fired: string[] = [];
    s.start(ran(fired));
    await s.schedule('k', soon(30), job('first'));
    await s.schedule('k', soon(60), job('second'));
    await s.schedule('x', soon(30), job('cancelled'));
    await s.cancel('x');
    await s.schedule('end', soon(120), job('end'));
    await vi.waitFor(() => expect(fired).toContain('end'), { timeout: 5000 });
    expect(fired).toEqual(['second', 'end']);
  });

  it('retries a failing activity with backoff until it succeeds, then deletes the timer', async () => {
    const s = scheduler();
    const attempts: number[] = [];
    s.start(async (_j, t) => {
      attempts.push(t.attempts);
      if (attempts.length < 3) throw new Error('broker down');
    });
    await s.schedule('k', soon(0), job('k'));
    await vi.waitFor(() => expect(attempts).toEqual([0, 1, 2]), { timeout: 5000 });
    await vi.waitFor(() => expect(s.list()).toEqual([]));
  });

  it('keeps a timer that was set again while its activity ran', async () => {
    const s = scheduler();
    const fired: string[] = [];
    let release = () => {};
    s.start(async (j) => {
      fired.push(j.kind === 'due' ? j.taskId : '');
      if (fired.length === 1) await new Promise<void>((r) => (release = r));
    });
    await s.schedule('k', soon(0), job('v1'));
    await vi.waitFor(() => expect(fired).toEqual(['v1']));
    await s.schedule('k', soon(30), job('v2'));
    release();
    await vi.waitFor(() => expect(fired).toEqual(['v1', 'v2']), { timeout: 5000 });
    await vi.waitFor(() => expect(s.list()).toEqual([]));
  });

  it('goes by the injected clock: nothing fires until it reaches the time', async () => {
    const clock = fixedClock('2030-01-01T00:00:00Z');
    const s = scheduler(':memory:', { clock });
    const fired: string[] = [];
    s.start(ran(fired));
    await s.schedule('k', new Date('2030-01-01T00:00:00.100Z'), job('k'));
    await new Promise((r) => setTimeout(r, 250));
    // The real time passed, the clock did not: it waits.
    expect(fired).toEqual([]);
    clock.set('2030-01-01T00:00:01Z');
    s.poke();
    await vi.waitFor(() => expect(fired).toEqual(['k']));
  });

  it('fires a burst of a thousand timers due at once, each once', async () => {
    const s = scheduler();
    const fired: string[] = [];
    const at = soon(0);
    await Promise.all(Array.from({ length: 1000 }, (_, i) => s.schedule(`k${i}`, at, job(`k${i}`))));
    s.start(ran(fired));
    await vi.waitFor(() => expect(fired).toHaveLength(1000), { timeout: 10_000 });
    expect(new Set(fired).size).toBe(1000);
    await vi.waitFor(() => expect(s.list()).toEqual([]));
  });

  it('sleeps on one setTimeout until the earliest timer instead of polling', async () => {
    const s = scheduler();
    await s.schedule('later', soon(60_000), job('later'));
    const spy = vi.spyOn(globalThis, 'setTimeout');
    try {
      s.start(ran([]));
      await new Promise<void>((r) => setImmediate(r));
      await new Promise<void>((r) => setImmediate(r));
      const armed = spy.mock.calls.length;
      expect(armed).toBe(1);
      expect(spy.mock.calls[0]![1]).toBeGreaterThan(59_000);
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setTimeout(r, 200));
      // One more: the test's own wait.
      expect(spy.mock.calls.length).toBe(armed + 1);
    } finally {
      spy.mockRestore();
    }
  });

  it('keeps timers across a restart and fires the overdue ones once', async () => {
    const file = join(tempDir(), 'timers.db');
    const first = createSqliteScheduler({ file });
    await first.schedule('a', soon(10), job('a'));
    await first.schedule('b', soon(100_000), job('b'));
    await first.close();
    await new Promise((r) => setTimeout(r, 30));
    const s = scheduler(file);
    const fired: string[] = [];
    s.start(ran(fired));
    await vi.waitFor(() => expect(fired).toEqual(['a']));
    expect(s.list().map((t) => t.key)).toEqual(['b']);
  });

  it('keeps its state table', async () => {
    const file = join(tempDir(), 'timers.db');
    const first = createSqliteScheduler({ file });
    expect(await first.state.put('task:1', { version: 3 })).toBe(true);
    await first.close();
    const s = scheduler(file);
    expect(await s.state.get('task:1')).toEqual({ value: { version: 3 }, etag: '1' });
    expect(await s.state.get('task:2')).toBeUndefined();
  });

  it('writes state only over the version it read (ETag), and a new key only where there is none', async () => {
    const s = scheduler();
    expect(await s.state.put('k', 'a')).toBe(true);
    expect(await s.state.put('k', 'b')).toBe(false);
    const read = (await s.state.get<string>('k'))!;
    expect(await s.state.put('k', 'b', { etag: read.etag })).toBe(true);
    expect(await s.state.put('k', 'c', { etag: read.etag })).toBe(false);
    expect((await s.state.get('k'))?.value).toBe('b');
  });

  it('forgets state written with a TTL once it has passed', async () => {
    const clock = fixedClock('2025-01-01T00:00:00Z');
    const s = scheduler(':memory:', { clock });
    expect(await s.state.put('k', 'a', { ttlSeconds: 60 })).toBe(true);
    clock.advance(59_000);
    const read = (await s.state.get<string>('k'))!;
    expect(read.value).toBe('a');
    clock.advance(1_000);
    expect(await s.state.get('k')).toBeUndefined();
    expect(await s.state.put('k', 'late', { etag: read.etag })).toBe(false);
    expect(await s.state.put('k', 'new')).toBe(true);
  });

  it('opens a state table from before ETags and TTLs, keeping its values', async () => {
    const file = join(tempDir(), 'timers.db');
    const old = new DatabaseSync(file);
    old.exec('CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT');
    old.prepare('INSERT INTO state (key, value) VALUES (?, ?)').run('task:1', '{"version":2}');
    old.close();
    const s = scheduler(file);
    const read = (await s.state.get('task:1'))!;
    expect(read.value).toEqual({ version: 2 });
    expect(await s.state.put('task:1', { version: 3 }, { etag: read.etag })).toBe(true);
  });

  it('renames the timers of a table from before timer ids at open, once, keeping their time and job', async () => {
    const file = join(tempDir(), 'timers.db');
    const old = new DatabaseSync(file);
    old.exec(`CREATE TABLE timers (
      key TEXT PRIMARY KEY, at INTEGER NOT NULL, due_at INTEGER NOT NULL, seq INTEGER NOT NULL,
      attempts INTEGER NOT NULL DEFAULT 0, job TEXT NOT NULL) STRICT`);
    const reminder: TimerJob = {
      kind: 'reminder',
      owner: 'u',
      taskId: 't1',
      reminderId: 'r-1',
      fireAt: '2025-01-01T00:00:00Z',
    };
    const series: TimerJob = {
      kind: 'materialise',
      owner: 'u',
      seriesId: 's1',
      fromTaskId: 't1',
      occurrence: '2025-01-02',
    };
    const insert = old.prepare(
      'INSERT INTO timers (key, at, due_at, seq, attempts, job) VALUES (?, ?, ?, ?, ?, ?)',
    );
    insert.run('t1:r-1', 1000, 1000, 1, 0, JSON.stringify(reminder));
    insert.run('t1#due', 2000, 2000, 2, 3, JSON.stringify(job('t1')));
    insert.run('s1#next', 3000, 3000, 3, 0, JSON.stringify(series));
    old.close();
    const want = [
      {
        key: timerId({ kind: 'reminder', taskId: 't1', reminderId: 'r-1' }),
        at: 1000,
        dueAt: 1000,
        attempts: 0,
        job: reminder,
      },
      { key: timerId({ kind: 'due', taskId: 't1' }), at: 2000, dueAt: 2000, attempts: 3, job: job('t1') },
      { key: timerId({ kind: 'series', seriesId: 's1' }), at: 3000, dueAt: 3000, attempts: 0, job: series },
    ];
    const first = scheduler(file);
    expect(first.list()).toEqual(want);
    expect(want.map((t) => t.key)).toEqual(['r~t1~r-1', 'd~t1', 's~s1']);
    await first.close();
    // Opened again: nothing left to rename, nothing changed.
    expect(scheduler(file).list()).toEqual(want);
  });
});

// ---- kill -9 ----

const CHILD = fileURLToPath(new URL('../testing/timer-child.ts', import.meta.url));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** Starts the child and resolves once it printed `line`. */
function child(dir: string, args: string[], line: string): Promise<ChildProcess> {
  const c = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', CHILD, dir, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(c);
  let out = '';
  let err = '';
  c.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    c.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').includes(line)) resolve(c);
    });
    c.on('exit', (code) => reject(new Error(`child exited (${code}) before "${line}": ${err}`)));
  });
}
function killed(c: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (c.exitCode !== null || c.signalCode !== null) return resolve();
    c.once('exit', () => resolve());
    c.kill('SIGKILL');
  });
}
function readFires(dir: string): { fires: string[]; attempts: Record<string, number>; left: number } {
  const f = new DatabaseSync(join(dir, 'fires.db'));
  const t = new DatabaseSync(join(dir, 'timers.db'));
  try {
    const fires = (f.prepare('SELECT id FROM fires ORDER BY id').all() as { id: string }[]).map((r) => r.id);
    const attempts = Object.fromEntries(
      (f.prepare('SELECT id, n FROM attempts').all() as { id: string; n: number }[]).map((r) => [r.id, r.n]),
    );
    const { n } = t.prepare('SELECT count(*) AS n FROM timers').get() as { n: number };
    return { fires, attempts, left: n };
  } finally {
    f.close();
    t.close();
  }
}
const keys = (n: number) => Array.from({ length: n }, (_, i) => `k${i}`).sort();

describe('kill -9', () => {
  it('loses no timer killed while they sleep, and fires each exactly once after the restart', async () => {
    const dir = tempDir();
    // Due 5 s on: a child that takes longer than that to start on a loaded machine would fire them.
    const seeding = await child(dir, ['seed', '25', String(Date.now() + 5000)], 'seeded');
    await killed(seeding);
    expect(readFires(dir)).toMatchObject({ fires: [], left: 25 });

    const running = await child(dir, ['run'], 'running');
    await vi.waitFor(() => expect(readFires(dir)).toMatchObject({ fires: keys(25), left: 0 }), {
      timeout: 15_000,
      interval: 50,
    });
    await killed(running);
    const { attempts } = readFires(dir);
    expect(Object.values(attempts)).toEqual(Array(25).fill(1));
  }, 30_000);

  it('runs again an activity killed before its timer was deleted; its idempotent effect shows once', async () => {
    const dir = tempDir();
    // Due at once; each activity records its effect and then holds for 60 s, so the kill lands after
    // the side effect and before the timer is deleted.
    await killed(await child(dir, ['seed-only', '5', String(Date.now())], 'seeded'));
    const holding = await child(dir, ['run', '60000'], 'running');
    await vi.waitFor(() => expect(readFires(dir).fires).toEqual(keys(5)), { timeout: 15_000, interval: 50 });
    await killed(holding);
    expect(readFires(dir).left).toBe(5);

    const running = await child(dir, ['run'], 'running');
    await vi.waitFor(() => expect(readFires(dir).left).toBe(0), { timeout: 15_000, interval: 50 });
    await killed(running);
    const { fires, attempts } = readFires(dir);
    expect(fires).toEqual(keys(5));
    expect(Object.values(attempts)).toEqual(Array(5).fill(2));
  }, 30_000);
});
