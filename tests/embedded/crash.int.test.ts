import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../bench/lib.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'embedded-crash-'));
const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill('SIGKILL')));

/** Starts the embedded profile exactly as `npm start` does, and waits until it answers. */
async function start(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['services/embedded/src/main.ts'], {
    env: { ...process.env, PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
    stdio: 'ignore',
  });
  children.push(child);
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the embedded profile did not start');
}

describe('embedded profile', () => {
  it('loses no acknowledged write when killed with SIGKILL in the middle of writing', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const first = await start(port);
    const signup = await fetch(`${base}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'crash@example.com', password: 'survives kill -9' }),
    });
    const { token } = (await signup.json()) as { token: string };
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };

    // 8 writers create tasks as fast as they can; the process is killed while they are at it.
    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${base}/api/tasks`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ title: `w${w} #${i}` }),
          });
          if (res.status === 201) acknowledged.push(((await res.json()) as { id: string }).id);
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    while (acknowledged.length < 200) await new Promise((r) => setTimeout(r, 5));
    first.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);

    await start(port);
    // Signing in again proves the account and the signing key survived too.
    const signin = await fetch(`${base}/api/auth/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'crash@example.com', password: 'survives kill -9' }),
    });
    expect(signin.status).toBe(200);
    const ids = new Set<string>();
    let cursor = '';
    for (;;) {
      const page = (await (
        await fetch(`${base}/api/tasks?sort=created&limit=200${cursor}`, { headers })
      ).json()) as {
        tasks: { id: string }[];
        next?: string;
      };
      page.tasks.forEach((t) => ids.add(t.id));
      if (!page.next) break;
      cursor = `&cursor=${page.next}`;
    }
    const lost = acknowledged.filter((id) => !ids.has(id));
    expect(acknowledged.length).toBeGreaterThanOrEqual(200);
    expect(lost).toEqual([]);
  });
});
