import { openSqlite } from '@todo/server';
import type { KeyValue } from './kv.ts';

/** The embedded profile's conversation store: one table in a SQLite file (or `:memory:` in tests). */
export function createSqliteKeyValue(file: string): KeyValue {
  const { db, write, close } = openSqlite(file);
  db.exec('CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL, etag INTEGER NOT NULL)');
  const select = db.prepare('SELECT value, etag FROM kv WHERE key = ?');
  const insert = db.prepare('INSERT INTO kv (key, value, etag) VALUES (?, ?, 1) ON CONFLICT DO NOTHING');
  const update = db.prepare('UPDATE kv SET value = ?, etag = etag + 1 WHERE key = ? AND etag = ?');
  return {
    get(key) {
      const row = select.get(key) as { value: string; etag: number } | undefined;
      return Promise.resolve(row ? { value: JSON.parse(row.value), etag: String(row.etag) } : null);
    },
    async set(key, value, etag) {
      const json = JSON.stringify(value);
      const result = await write(() =>
        etag === null ? insert.run(key, json) : update.run(json, key, Number(etag)),
      );
      return Number(result.changes) === 1;
    },
    close() {
      close();
      return Promise.resolve();
    },
  };
}
