import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { apiCaller } from '@todo/server/testing';
import { startEmbedded } from './testing.ts';

// `npm start` as a user runs it: one process, one origin for the tasks API and the chat.
const dataDir = mkdtempSync(join(tmpdir(), 'embedded-'));
const running: ChildProcess[] = [];
const start = async () => {
  const { base, child } = await startEmbedded(dataDir);
  running.push(child);
  return base;
};
const post = (base: string, path: string, body: unknown, token?: string) =>
  apiCaller(base)('POST', path, { body, token });
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

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
