import type { DatabaseSync } from 'node:sqlite';
import { systemClock, timerKind, type Clock, type TimerJob } from '@todo/core';
import { openSqlite } from '@todo/server';
import type { Logger } from 'pino';
import { fromLegacyKey } from '../schedule.ts';
import type { JobRunner, Scheduler, StateTable } from './scheduler.ts';

export interface SqliteSchedulerOptions {
  /** SQLite file, or ':memory:'. */
  file: string;
  clock?: Clock;
  logger?: Logger;
  /** Activities run at once; the rest wait in order of their time. */
  concurrency?: number;
  /** Backoff after a failed activity: base * 2^attempts, at most max. */
  retryBaseMs?: number;
  retryMaxMs?: number;
}

export interface TimerRow {
  key: string;
  at: number;
  dueAt: number;
  attempts: number;
  job: TimerJob;
}

type StoredTimer = { key: string; at: number; due_at: number; attempts: number; job: string };
const toRow = (r: StoredTimer): TimerRow => ({
  key: r.key,
  at: r.at,
  dueAt: r.due_at,
  attempts: r.attempts,
  job: JSON.parse(r.job) as TimerJob,
});

const SCHEMA = `
CREATE TABLE IF NOT EXISTS timers (
  key TEXT PRIMARY KEY, at INTEGER NOT NULL, due_at INTEGER NOT NULL, seq INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, job TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS timers_at ON timers (at, seq);
CREATE TABLE IF NOT EXISTS state (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
`;
/** Columns added to `state` after its first version (a file from before gets them on open). */
const STATE_COLUMNS = {
  version: 'ALTER TABLE state ADD COLUMN version INTEGER NOT NULL DEFAULT 1',
  expires_at: 'ALTER TABLE state ADD COLUMN expires_at INTEGER',
};
/** setTimeout's longest wait; a later timer is looked at again when this one wakes. */
const MAX_WAIT = 2 ** 31 - 1;

/**
 * The embedded profile's durable timers: a table in SQLite (WAL, synchronous=FULL, group commit), a loop
 * that sleeps until the earliest timer (one setTimeout, never a poll) and fires due timers in order of
 * their time. A timer is deleted only after its activity succeeded, so delivery is at least once: after
 * a kill -9 the overdue timers fire on start, each once, and an activity that ran but was not yet
 * recorded runs again; activities publish deterministic event ids, so a consumer that de-duplicates
 * sees every firing once. A failed activity is retried with exponential backoff.
 */
export function createSqliteScheduler(opts: SqliteSchedulerOptions) {
  const {
    file,
    clock = systemClock,
    logger,
    concurrency = 16,
    retryBaseMs = 500,
    retryMaxMs = 5 * 60_000,
  } = opts;
  // Every commit may have brought the earliest timer forward, so it re-arms the loop.
  const { db, write, close: closeDb } = openSqlite(file, { afterCommit: () => kick() });
  db.exec(SCHEMA);
  const columns = new Set(
    (db.prepare('PRAGMA table_info(state)').all() as { name: string }[]).map((c) => c.name),
  );
  for (const [name, ddl] of Object.entries(STATE_COLUMNS)) if (!columns.has(name)) db.exec(ddl);
  db.exec('CREATE INDEX IF NOT EXISTS state_expires ON state (expires_at) WHERE expires_at IS NOT NULL');
  renameLegacyKeys(db);
  const q = {
    upsert: db.prepare(
      `INSERT INTO timers (key, at, due_at, seq, attempts, job) VALUES (?, ?, ?, ?, 0, ?)
       ON CONFLICT (key) DO UPDATE SET at = excluded.at, due_at = excluded.due_at, seq = excluded.seq,
       attempts = 0, job = excluded.job`,
    ),
    cancel: db.prepare('DELETE FROM timers WHERE key = ?'),
    done: db.prepare('DELETE FROM timers WHERE key = ? AND seq = ?'),
    retry: db.prepare('UPDATE timers SET at = ?, attempts = attempts + 1 WHERE key = ? AND seq = ?'),
    due: db.prepare(
      'SELECT key, at, due_at, seq, attempts, job FROM timers WHERE at <= ? ORDER BY at, seq LIMIT ?',
    ),
    earliest: db.prepare('SELECT min(at) AS at FROM timers'),
    all: db.prepare('SELECT key, at, due_at, attempts, job FROM timers ORDER BY at, seq'),
    one: db.prepare('SELECT key, at, due_at, attempts, job FROM timers WHERE key = ?'),
    maxSeq: db.prepare('SELECT coalesce(max(seq), 0) AS seq FROM timers'),
    census: db.prepare(
      `SELECT json_extract(job, '$.kind') AS kind, attempts > 0 AS retrying, count(*) AS n FROM timers
       GROUP BY 1, 2`,
    ),
    getState: db.prepare(
      'SELECT value, version FROM state WHERE key = ? AND (expires_at IS NULL OR expires_at > ?)',
    ),
    insertState: db.prepare(
      'INSERT INTO state (key, value, version, expires_at) VALUES (?, ?, 1, ?) ON CONFLICT (key) DO NOTHING',
    ),
    updateState: db.prepare(
      `UPDATE state SET value = ?, version = version + 1, expires_at = ?
       WHERE key = ? AND version = ? AND (expires_at IS NULL OR expires_at > ?)`,
    ),
    purgeState: db.prepare('DELETE FROM state WHERE expires_at <= ?'),
  };
  // Orders timers with the same time by when they were set; this process is the table's only writer.
  let seq = (q.maxSeq.get() as { seq: number }).seq;

  let run: JobRunner | undefined;
  let closed = false;
  let wake: NodeJS.Timeout | undefined;
  let kicked = false;
  const inflight = new Map<string, Promise<void>>();

  /** Looks again soon (after the current turn), e.g. after a write or a finished activity. */
  function kick() {
    if (!run || kicked || closed) return;
    kicked = true;
    setImmediate(() => {
      kicked = false;
      pump();
    });
  }

  /** Starts what is due (up to the concurrency limit), then sleeps until the earliest timer. */
  function pump() {
    if (!run || closed) return;
    clearTimeout(wake);
    const now = clock.now().getTime();
    if (inflight.size < concurrency) {
      const rows = q.due.all(now, concurrency + inflight.size) as {
        key: string;
        seq: number;
        attempts: number;
        job: string;
      }[];
      for (const row of rows) {
        if (inflight.size >= concurrency) break;
        if (!inflight.has(row.key)) fire(row);
      }
    }
    // When every slot is busy, each finished activity kicks the loop; otherwise sleep until the earliest.
    if (inflight.size >= concurrency) return;
    const { at } = q.earliest.get() as { at: number | null };
    if (at === null) return;
    // A due timer still here is in flight (its finish kicks); else wait for the earliest one.
    const wait = Math.min(Math.max(at - now, 0), MAX_WAIT);
    if (at <= now) return;
    wake = setTimeout(pump, wait);
  }

  function fire(row: { key: string; seq: number; attempts: number; job: string }) {
    const job = JSON.parse(row.job) as TimerJob;
    const p = (async () => {
      try {
        await run!(job, { key: row.key, attempts: row.attempts });
        await write(() => q.done.run(row.key, row.seq));
      } catch (err) {
        const backoff = Math.min(retryMaxMs, retryBaseMs * 2 ** Math.min(row.attempts, 20));
        logger?.warn(
          { err, key: row.key, attempts: row.attempts + 1, retryInMs: backoff },
          'timer: activity failed, will retry',
        );
        if (!closed)
          await write(() => q.retry.run(clock.now().getTime() + backoff, row.key, row.seq)).catch(() => {});
      } finally {
        inflight.delete(row.key);
        kick();
      }
    })();
    inflight.set(row.key, p);
  }

  const scheduler: Scheduler = {
    async schedule(key, at, job) {
      const t = at.getTime();
      if (!Number.isFinite(t)) throw new Error(`timer ${key}: invalid time`);
      await write(() => q.upsert.run(key, t, t, ++seq, JSON.stringify(job)));
    },
    async cancel(key) {
      await write(() => q.cancel.run(key));
    },
  };
  const state: StateTable = {
    async get<T>(key: string) {
      const row = q.getState.get(key, clock.now().getTime()) as
        { value: string; version: number } | undefined;
      return row ? { value: JSON.parse(row.value) as T, etag: String(row.version) } : undefined;
    },
    async put(key, value, { etag, ttlSeconds } = {}) {
      const now = clock.now().getTime();
      const expiresAt = ttlSeconds === undefined ? null : now + ttlSeconds * 1000;
      const json = JSON.stringify(value);
      return write(() => {
        // Expired values go here, in the same commit: one that expired is as good as none.
        q.purgeState.run(now);
        const r =
          etag === undefined
            ? q.insertState.run(key, json, expiresAt)
            : q.updateState.run(json, expiresAt, key, Number(etag), now);
        return r.changes === 1;
      });
    },
  };

  return {
    ...scheduler,
    state,
    /** Starts firing timers with `runner`; overdue ones (after a restart) fire at once, in order. */
    start(runner: JobRunner) {
      run = runner;
      kick();
    },
    /** Looks at the table again now: for an injected clock that was moved. */
    poke: () => kick(),
    /** The timers waiting, earliest first. */
    list: (): TimerRow[] => (q.all.all() as StoredTimer[]).map(toRow),
    /** How many timers wait, by workflow kind and state (sleeping, or retrying a failed activity). */
    census: (): { kind: string; state: string; count: number }[] =>
      (q.census.all() as { kind: TimerJob['kind']; retrying: number; n: number }[]).map((r) => ({
        kind: timerKind(r),
        state: r.retrying ? 'retrying' : 'sleeping',
        count: r.n,
      })),
    /** The timer waiting under `key`, if any. */
    get(key: string): TimerRow | undefined {
      const row = q.one.get(key) as StoredTimer | undefined;
      return row && toRow(row);
    },
    /** Stops firing and waits for the activities in flight; then closes the database. */
    async close() {
      if (closed) return;
      clearTimeout(wake);
      run = undefined;
      await Promise.allSettled([...inflight.values()]);
      closed = true;
      closeDb();
    },
  };
}

export type SqliteScheduler = ReturnType<typeof createSqliteScheduler>;

/**
 * Timers set before timer ids (keys `task:reminder`, `task#due`, `series#next`) take their ids, in one
 * transaction at open. A file already renamed has no such key (no timer id holds `:` or `#`): a no-op.
 */
function renameLegacyKeys(db: DatabaseSync): void {
  const old = db.prepare("SELECT key FROM timers WHERE key GLOB '*[#:]*'").all() as { key: string }[];
  if (old.length === 0) return;
  const rename = db.prepare('UPDATE OR REPLACE timers SET key = ? WHERE key = ?');
  db.exec('BEGIN IMMEDIATE');
  try {
    for (const { key } of old) {
      const id = fromLegacyKey(key);
      if (id !== key) rename.run(id, key);
    }
    db.exec('COMMIT');
  } catch (err) {
    db.exec('ROLLBACK');
    throw err;
  }
}
