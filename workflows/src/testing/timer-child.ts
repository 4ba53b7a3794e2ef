// A process for the kill -9 test: `seed <n> <dueAtMs>` sets n timers due at that instant (the parent
// picks it: this file reads no clock), says "seeded" once
// they are durable and sleeps until they are due (`seed-only` exits instead); `run [holdMs]` fires what
// the table holds. Each firing records its timer key in fires.db idempotently (INSERT OR IGNORE, like a consumer de-duplicating by event id) and counts the
// attempt; with holdMs the activity then waits before it returns, so a kill lands between its side
// effect and the timer's deletion.
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { createSqliteScheduler } from '../timers/scheduler.embedded.ts';

const [dir = '.', mode = 'run', a = '0', b = '0'] = process.argv.slice(2);
const timers = createSqliteScheduler({ file: join(dir, 'timers.db'), retryBaseMs: 50 });
const fires = new DatabaseSync(join(dir, 'fires.db'));
fires.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 5000;');
fires.exec(
  'CREATE TABLE IF NOT EXISTS fires (id TEXT PRIMARY KEY, at INTEGER NOT NULL) STRICT;' +
    'CREATE TABLE IF NOT EXISTS attempts (id TEXT PRIMARY KEY, n INTEGER NOT NULL) STRICT;',
);
const record = fires.prepare('INSERT OR IGNORE INTO fires (id, at) VALUES (?, ?)');
const attempt = fires.prepare(
  'INSERT INTO attempts (id, n) VALUES (?, 1) ON CONFLICT (id) DO UPDATE SET n = n + 1',
);

const at = new Date(Number(b));
if (mode === 'seed') {
  await Promise.all(
    Array.from({ length: Number(a) }, (_, i) =>
      timers.schedule(`k${i}`, at, { kind: 'due', owner: 'u', taskId: `k${i}`, at: at.toISOString() }),
    ),
  );
  process.stdout.write('seeded\n');
}
if (mode === 'seed-only') {
  for (let i = 0; i < Number(a); i++)
    await timers.schedule(`k${i}`, at, { kind: 'due', owner: 'u', taskId: `k${i}`, at: at.toISOString() });
  await timers.close();
  process.stdout.write('seeded\n');
  process.exit(0);
}
const hold = mode === 'run' ? Number(a) : 0;
timers.start(async (job, { key }) => {
  attempt.run(key);
  record.run(key, job.kind === 'due' ? Date.parse(job.at) : 0);
  if (job.kind === 'due' && hold) await new Promise((r) => setTimeout(r, hold));
});
process.stdout.write('running\n');
