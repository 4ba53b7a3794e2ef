import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { extractReplaces } from './dapr.ts';
import { PieceFailedError, Supervisor, type ProcessSpec, type SupervisorEvent } from './supervisor.ts';

// Real child processes (node -e …): what is under test is process handling, so nothing is faked.
const node = process.execPath;
let logsDir: string;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'supervisor-test-'));
  logsDir = join(dir, 'logs');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A process that writes `marker` (so readiness can see it started) and then stays up. */
function piece(name: string, opts: Partial<ProcessSpec> & { script?: string } = {}): ProcessSpec {
  const marker = join(dir, `${name}.up`);
  return {
    name,
    command: node,
    args: [
      '-e',
      opts.script ??
        `require('fs').writeFileSync(${JSON.stringify(marker)}, String(process.pid)); console.log('${name} up'); setInterval(() => {}, 1000);`,
    ],
    ready: {
      describe: `${marker} exists`,
      check: async () => {
        await readFile(marker);
      },
    },
    readyTimeoutMs: 5000,
    ...opts,
  };
}

function recorder() {
  const events: SupervisorEvent[] = [];
  return { events, onEvent: (e: SupervisorEvent) => events.push(e) };
}

describe('Supervisor', () => {
  it('starts pieces after their dependencies and stops them in reverse order', async () => {
    const { events, onEvent } = recorder();
    const sup = new Supervisor([piece('app', { dependsOn: ['db'] }), piece('db')], { logsDir, onEvent });
    await sup.start();
    const ready = events.filter((e) => e.type === 'ready').map((e) => e.name);
    expect(ready).toEqual(['db', 'app']);
    expect(sup.status()['app']?.ready).toBe(true);
    await sup.stop();
    const stopped = events.filter((e) => e.type === 'stopped').map((e) => e.name);
    expect(stopped).toEqual(['app', 'db']);
    expect(await readFile(sup.logFile('db'), 'utf8')).toContain('db up');
  });

  it('names the piece that can not start, why, and its last log lines', async () => {
    const { events, onEvent } = recorder();
    const failing = piece('broken', { script: `console.error('port 1234 is taken'); process.exit(3);` });
    const sup = new Supervisor([failing], { logsDir, onEvent });
    const err = await sup.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PieceFailedError);
    expect((err as PieceFailedError).piece).toBe('broken');
    expect((err as PieceFailedError).message).toMatch(/exited with code 3 before it was ready/);
    expect((err as PieceFailedError).logTail).toBe('port 1234 is taken');
    // Three attempts, with backoff between them, before giving up.
    expect(events.filter((e) => e.type === 'starting')).toHaveLength(3);
    await sup.stop();
  }, 15_000);

  it('restarts a ready piece that dies and reports why', async () => {
    const { events, onEvent } = recorder();
    const sup = new Supervisor([piece('worker')], { logsDir, onEvent });
    await sup.start();
    const firstPid = sup.status()['worker']?.pid;
    process.kill(firstPid!, 'SIGKILL');
    await expect
      .poll(() => events.find((e) => e.type === 'failed'), { timeout: 5000 })
      .toMatchObject({
        name: 'worker',
        reason: 'killed by SIGKILL',
        restartInMs: 1000,
      });
    await expect.poll(() => sup.status()['worker']?.ready, { timeout: 8000 }).toBe(true);
    expect(sup.status()['worker']?.pid).not.toBe(firstPid);
    await sup.stop();
  }, 15_000);

  it('refuses unknown dependencies and cycles', () => {
    expect(() => new Supervisor([piece('a', { dependsOn: ['nope'] })], { logsDir })).toThrow(
      /unknown piece nope/,
    );
    expect(
      () => new Supervisor([piece('a', { dependsOn: ['b'] }), piece('b', { dependsOn: ['a'] })], { logsDir }),
    ).toThrow(/cycle/);
  });
});

describe('extractReplaces', () => {
  it('keeps replace blocks and single-line replaces verbatim, nothing else', () => {
    const goMod = [
      'module github.com/dapr/dapr',
      '',
      'require (\n\tgithub.com/a/b v1.0.0\n)',
      '',
      'replace (\n\t// a fork\n\tx.org/y => x.org/y v1.2.3\n)',
      '',
      'replace github.com/c/d => github.com/e/d v0.1.0',
    ].join('\n');
    expect(extractReplaces(goMod)).toEqual([
      'replace (\n\t// a fork\n\tx.org/y => x.org/y v1.2.3\n)',
      'replace github.com/c/d => github.com/e/d v0.1.0',
    ]);
  });
});
