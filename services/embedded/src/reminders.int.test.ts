import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { apiCaller, openEventStream } from '@todo/server/testing';
import { inSeconds, startEmbedded, until } from './testing.ts';

const call = (base: string, method: string, path: string, body?: unknown, token?: string) =>
  apiCaller(base)(method, path, { body, token });

const dataDir = mkdtempSync(join(tmpdir(), 'embedded-reminders-'));
const running: ChildProcess[] = [];
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});
const start = async () => {
  const e = await startEmbedded(dataDir);
  running.push(e.child);
  return e.base;
};

describe('embedded profile: reminders', () => {
  it('fires a reminder once into the inbox and an open stream, and keeps a sleeping one across kill -9', async () => {
    let base = await start();
    const { token } = (
      await call(base, 'POST', '/api/auth/signup', { email: 'r@example.com', password: 'remind me please' })
    ).body;
    const stream = await openEventStream(`${base}/api/notifications/stream`, {
      authorization: `Bearer ${token}`,
    });

    const soon = await call(
      base,
      'POST',
      '/api/tasks',
      { title: 'Stretch', reminders: [{ at: inSeconds(2) }] },
      token,
    );
    expect(soon.status).toBe(201);
    const inbox = await until('the reminder in the inbox', async () => {
      const r = await call(base, 'GET', '/api/notifications', undefined, token);
      return r.body.notifications?.length ? r.body.notifications : undefined;
    });
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({ type: 'reminder.due', taskId: soon.body.id });
    await stream.next((f) => f.event === 'reminder', 5000);
    expect(stream.events().filter((f) => f.event === 'reminder')).toHaveLength(1);
    stream.close();

    // A reminder still asleep when the process is killed fires once after the restart.
    const later = await call(
      base,
      'POST',
      '/api/tasks',
      { title: 'Call back', reminders: [{ at: inSeconds(3) }] },
      token,
    );
    await new Promise((r) => setTimeout(r, 300)); // the relay hands the change to the coordinator
    running.at(-1)!.kill('SIGKILL');
    base = await start();
    const both = await until('the second reminder after the restart', async () => {
      const r = await call(base, 'GET', '/api/notifications', undefined, token);
      return r.body.notifications?.length >= 2 ? r.body.notifications : undefined;
    });
    await new Promise((r) => setTimeout(r, 1500)); // room for a wrong second delivery to show up
    const final = (await call(base, 'GET', '/api/notifications', undefined, token)).body.notifications;
    expect(final).toHaveLength(2);
    expect(both.map((n: { taskId: string }) => n.taskId).sort()).toEqual(
      [soon.body.id, later.body.id].sort(),
    );
  });
});
