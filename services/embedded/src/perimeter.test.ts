import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { startEmbedded } from './testing.ts';

// The embedded profile has no daprd, so it mounts none of the daprd-only routes (docs/decisions/0036):
// on its one public origin they do not exist, whatever token a caller sends.
const dataDir = mkdtempSync(join(tmpdir(), 'embedded-perimeter-'));
let child: ChildProcess | undefined;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

it('serves no daprd-only route on its origin', { timeout: 60_000 }, async () => {
  const embedded = await startEmbedded(dataDir);
  child = embedded.child;
  const routes = [
    ['GET', '/internal/tasks'],
    ['GET', '/internal/live'],
    ['GET', '/internal/owners/someone'],
    ['POST', '/internal/owners/someone/occurrences'],
    ['POST', '/internal/reindex'],
    ['POST', '/internal/workflows/inspect'],
    ['GET', '/dapr/subscribe'],
    ['POST', '/events/task-events'],
    ['POST', '/events/reminders'],
    ['POST', '/reconcile-cron'],
    ['POST', '/purge-cron'],
  ] as const;
  for (const [method, path] of routes) {
    const res = await fetch(embedded.base + path, {
      method,
      headers: { 'content-type': 'application/json', 'dapr-api-token': 'anything' },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    await res.body?.cancel();
    expect([404, 405], `${method} ${path}: ${res.status}`).toContain(res.status);
  }
  // The same origin does serve the API.
  expect((await fetch(`${embedded.base}/api/tasks`)).status).toBe(401);
});
