import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

export interface Sqlite {
  db: DatabaseSync;
  /**
   * Runs `fn` in a write transaction and resolves after it is committed. The writes that arrive in one
   * turn of the event loop share one transaction and so one fsync (~8 ms here); each has a savepoint
   * of its own, so one that throws undoes none of the others.
   */
  write<T>(fn: () => T): Promise<T>;
  /** Commits what is queued, then closes. */
  close(): void;
}

/**
 * Opens a SQLite file for a process that is its only writer: WAL with synchronous=FULL, so what was
 * acknowledged survives kill -9 and power loss, and writes group-committed.
 */
export function openSqlite(file: string, { afterCommit }: { afterCommit?: () => void } = {}): Sqlite {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');

  let queue: { fn: () => unknown; resolve: (v: never) => void; reject: (e: unknown) => void }[] = [];
  let closed = false;
  function flush() {
    const batch = queue;
    queue = [];
    const results: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      db.exec('BEGIN IMMEDIATE');
      for (const { fn } of batch) {
        db.exec('SAVEPOINT w');
        try {
          results.push({ ok: true, value: fn() });
          db.exec('RELEASE w');
        } catch (error) {
          db.exec('ROLLBACK TO w; RELEASE w');
          results.push({ ok: false, error });
        }
      }
      db.exec('COMMIT');
    } catch (error) {
      // The whole batch failed (disk full, database closed): nothing of it is acknowledged.
      if (db.isOpen && db.isTransaction) db.exec('ROLLBACK');
      batch.forEach((w) => w.reject(error));
      return;
    }
    batch.forEach((w, i) => {
      const r = results[i]!;
      if (r.ok) w.resolve(r.value as never);
      else w.reject(r.error);
    });
    afterCommit?.();
  }

  return {
    db,
    write<T>(fn: () => T): Promise<T> {
      if (closed) return Promise.reject(new Error(`${file} is closed`));
      return new Promise<T>((resolve, reject) => {
        if (queue.length === 0) setImmediate(flush);
        queue.push({ fn, resolve: resolve as (v: never) => void, reject });
      });
    },
    close() {
      if (closed) return;
      closed = true;
      if (queue.length) flush();
      db.close();
    },
  };
}
