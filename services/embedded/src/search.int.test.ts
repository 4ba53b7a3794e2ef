import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiCaller } from '@todo/server/testing';
import { afterAll, expect, it } from 'vitest';
import { startEmbedded, until } from './testing.ts';

// The search box as `npm start` serves it: fed by the task events in process, rebuilt from the store at
// every start, scoped to its owner.
const dataDir = mkdtempSync(join(tmpdir(), 'embedded-search-'));
const running: ChildProcess[] = [];
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});
const start = async () => {
  const { base, child } = await startEmbedded(dataDir);
  running.push(child);
  return apiCaller(base);
};
const signUp = async (call: Awaited<ReturnType<typeof start>>, email: string) =>
  (
    await call('POST', '/api/auth/signup', {
      body: { email, password: 'correct horse', tz: 'Europe/Berlin' },
    })
  ).body.token as string;

it(
  'finds a task by a misspelt word, forgets it once deleted, and shows no other owner anything',
  { timeout: 60_000 },
  async () => {
    let call = await start();
    const token = await signUp(call, 'searcher@example.com');
    const other = await signUp(call, 'other@example.com');
    const created = await call('POST', '/api/tasks', {
      token,
      body: { title: 'Pay the electricity invoice', priority: 'high', tags: ['bills'] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const find = (q: string, as = token) =>
      call('GET', `/api/search?q=${encodeURIComponent(q)}`, { token: as });

    const found = await until('the task in the search index', async () => {
      const r = await find('invoce');
      return r.body.total === 1 ? r.body : undefined;
    });
    expect(found.hits[0]).toMatchObject({
      id,
      title: 'Pay the electricity invoice',
      priority: 'high',
      tags: ['bills'],
    });
    expect(found.hits[0].highlight.title).toContain('<mark>invoice</mark>');
    expect(found.facets.priority).toEqual({ high: 1 });
    expect(typeof found.tookMs).toBe('number');
    expect((await find('invoce', other)).body.total).toBe(0);

    const bad = await call('GET', '/api/search?filter=priority%3Ahgh', { token });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('filter');
    expect((await call('GET', '/api/search?q=x')).status).toBe(401);

    // Rebuilt from the store at start: a restart finds it at once.
    running[0]!.kill('SIGKILL');
    call = await start();
    expect((await find('electrcity')).body.total).toBe(1);

    expect((await call('DELETE', `/api/tasks/${id}`, { token })).status).toBe(204);
    await until('the deletion to reach the index', async () =>
      (await find('invoice')).body.total === 0 ? true : undefined,
    );
  },
);
