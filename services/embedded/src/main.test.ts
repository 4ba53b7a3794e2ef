import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';

// `npm start` as a user runs it: one process, one origin for the tasks API and the chat.
const dataDir = mkdtempSync(join(tmpdir(), 'embedded-'));
const running: ChildProcess[] = [];
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts main.ts on a free port and answers the URL it prints. */
async function start(): Promise<string> {
  const child = spawn(process.execPath, [join(import.meta.dirname, 'main.ts')], {
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'silent' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  running.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c;
      const m = /running at (http:\/\/[\d.:]+)\/api/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`main.ts exited with ${code}: ${out}`)));
  });
}

async function post(base: string, path: string, body: unknown, token?: string) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

it(
  'serves tasks and chat on one origin, and a conversation survives kill -9',
  { timeout: 30_000 },
  async () => {
    let base = await start();
    const signup = await post(base, '/api/auth/signup', {
      email: 'someone@example.com',
      password: 'correct horse',
      tz: 'Europe/Berlin',
    });
    const token = signup.body.token as string;
    const first = await post(base, '/api/chat', { message: 'buy milk' }, token);
    expect(first.status).toBe(200);
    expect(first.body.reply).toBe('Added "buy milk".');

    running[0]!.kill('SIGKILL');
    base = await start();
    // The token, the task and the conversation's "it" all outlived the kill.
    const done = await post(
      base,
      '/api/chat',
      { conversationId: first.body.conversationId, message: 'done with it' },
      token,
    );
    expect(done.body.reply).toBe('Done: "buy milk".');
  },
);
