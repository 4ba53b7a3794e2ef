import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqlite } from './sqlite.ts';

const dir = mkdtempSync(join(tmpdir(), 'sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function open(name: string) {
  let commits = 0;
  const sqlite = openSqlite(join(dir, name, 'test.db'), { afterCommit: () => commits++ });
  sqlite.db.exec('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  const insert = sqlite.db.prepare('INSERT INTO t (k, v) VALUES (?, ?)');
  const rows = () => sqlite.db.prepare('SELECT k, v FROM t ORDER BY k').all();
  return { sqlite, insert, rows, commits: () => commits };
}

describe('openSqlite group commit', () => {
  it('commits the writes of one event-loop turn in one transaction, each answered with its result', async () => {
    const { sqlite, insert, rows, commits } = open('group');
    const results = await Promise.all(
      ['a', 'b', 'c'].map((k, i) => sqlite.write(() => insert.run(k, i).changes)),
    );
    expect(results).toEqual([1, 1, 1]);
    expect(commits()).toBe(1);
    await sqlite.write(() => insert.run('d', 3));
    expect(commits()).toBe(2);
    expect(rows()).toHaveLength(4);
    sqlite.close();
  });

  it('undoes only the write that threw: its neighbours in the batch are committed', async () => {
    const { sqlite, insert, rows, commits } = open('savepoint');
    const outcomes = await Promise.allSettled([
      sqlite.write(() => insert.run('a', 1)),
      sqlite.write(() => {
        insert.run('b', 2);
        insert.run('a', 99); // a duplicate key: this write fails after its first insert
      }),
      sqlite.write(() => insert.run('c', 3)),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/UNIQUE/);
    expect(rows()).toEqual([
      { k: 'a', v: 1 },
      { k: 'c', v: 3 },
    ]);
    expect(commits()).toBe(1);
    sqlite.close();
  });

  it('makes what it acknowledged durable: a second handle on the file reads it', async () => {
    const { sqlite, insert } = open('durable');
    await sqlite.write(() => insert.run('kept', 7));
    const other = openSqlite(join(dir, 'durable', 'test.db'));
    expect(other.db.prepare('SELECT v FROM t WHERE k = ?').get('kept')).toEqual({ v: 7 });
    other.close();
    sqlite.close();
  });

  it('commits what is queued on close, and refuses writes after it', async () => {
    const { sqlite, insert } = open('close');
    const queued = sqlite.write(() => insert.run('late', 1).changes);
    sqlite.close();
    expect(await queued).toBe(1);
    await expect(sqlite.write(() => 1)).rejects.toThrow(/is closed/);
    const reopened = openSqlite(join(dir, 'close', 'test.db'));
    expect(reopened.db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 1 });
    reopened.close();
  });

  it('rejects every write of a batch whose commit fails, and acknowledges none', async () => {
    const { sqlite, insert } = open('failed-batch');
    // A write that ends the transaction under the batch makes its COMMIT fail.
    const outcomes = await Promise.allSettled([
      sqlite.write(() => insert.run('x', 1)),
      sqlite.write(() => sqlite.db.exec('RELEASE w; COMMIT')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected']);
    sqlite.close();
  });
});
