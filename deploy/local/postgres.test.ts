import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { exists } from './proc.ts';
import { dropOrphanClusters, markCluster } from './postgres.ts';

// As root the stack's PostgreSQL cluster lives outside the checkout; these marks keep its life the stack's.
describe('the PostgreSQL cluster kept outside the checkout', () => {
  let root: string;
  let home: string;
  const cluster = async (name: string) => {
    const dir = join(home, name);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'PG_VERSION'), '17\n');
    return dir;
  };
  const stackDir = async (name: string) => {
    const dir = join(root, name, '.data', 'stack');
    await mkdir(dir, { recursive: true });
    return dir;
  };
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'pg-marks-'));
    home = join(root, 'postgres-home', 'todo-chatbot');
    await mkdir(home, { recursive: true });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('keeps the cluster its stack marked, across restarts', async () => {
    const [stack, dir] = [await stackDir('a'), await cluster('a1')];
    await markCluster(dir, stack);
    await dropOrphanClusters(dir, stack);
    await dropOrphanClusters(dir, stack);
    expect(await exists(join(dir, 'PG_VERSION'))).toBe(true);
  });

  it("drops a cluster when the stack's data is new (a fresh clone at the same path)", async () => {
    const [old, dir] = [await stackDir('a'), await cluster('a1')];
    await markCluster(dir, old);
    await rm(old, { recursive: true });
    const fresh = await stackDir('a');
    await dropOrphanClusters(dir, fresh);
    expect(await exists(dir)).toBe(false);
    expect(await exists(`${dir}.cluster`)).toBe(false);
  });

  it('drops an unmarked cluster, and the clusters beside it whose stack folder is gone, not the others', async () => {
    const stack = await stackDir('a');
    const dir = await cluster('a1');
    const [live, gone] = [await cluster('b1'), await cluster('c1')];
    await markCluster(live, await stackDir('b'));
    await markCluster(gone, await stackDir('c'));
    await rm(join(root, 'c'), { recursive: true });
    await dropOrphanClusters(dir, stack);
    expect([await exists(dir), await exists(live), await exists(gone)]).toEqual([false, true, false]);
  });
});
