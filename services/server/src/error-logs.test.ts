import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { errorLogLine } from './error-logs.ts';

interface JsonReport {
  testResults: { assertionResults: { title: string; status: string; failureMessages: string[] }[] }[];
}

describe('the error-log guard (tests/setup/error-logs.ts)', () => {
  it('fails a test on an error log it did not announce, and on an announced one that never came', async () => {
    // A Vitest of its own runs the fixture: the failures it must see would fail this run otherwise.
    const vitest = fileURLToPath(new URL('vitest.mjs', import.meta.resolve('vitest/package.json')));
    const config = fileURLToPath(new URL('fixtures/error-logs.fixture.config.ts', import.meta.url));
    const dir = await mkdtemp(join(tmpdir(), 'error-logs-'));
    const output = join(dir, 'report.json');
    const failed = await promisify(execFile)(process.execPath, [
      vitest,
      'run',
      '--config',
      config,
      '--reporter=json',
      `--outputFile=${output}`,
    ]).then(
      () => false,
      () => true,
    );
    const report = JSON.parse(await readFile(output, 'utf8')) as JsonReport;
    await rm(dir, { recursive: true });
    expect(failed).toBe(true);
    const results = report.testResults.flatMap((file) => file.assertionResults);
    expect(results.map(({ title, status }) => [title, status])).toEqual([
      ['fails: logs an error it did not announce', 'failed'],
      ['passes: announces the error it logs', 'passed'],
      ['fails: announces an error that never comes', 'failed'],
      ['fails: logs at fatal through a child of a silent logger', 'failed'],
      ['passes: logs a warning', 'passed'],
      ['passes: a logger writes what its own level lets through, and no more', 'passed'],
    ]);
    expect(results.filter((r) => r.status === 'failed').map((r) => r.failureMessages.join('\n'))).toEqual([
      expect.stringContaining('unexpected error log (level 50): write failed (disk full)'),
      expect.stringContaining('expected an error log matching /boom/, none was written'),
      expect.stringContaining('unexpected error log (level 60): gave up'),
    ]);
  });

  it('reads the message and the error of each way pino is called', () => {
    const err = new Error('disk full');
    expect(errorLogLine(50, ['plain'])).toEqual({ level: 50, msg: 'plain' });
    expect(errorLogLine(50, [err])).toEqual({ level: 50, msg: 'disk full', err: 'disk full' });
    expect(errorLogLine(50, [{ err }, 'write failed'])).toEqual({
      level: 50,
      msg: 'write failed',
      err: 'disk full',
    });
    expect(errorLogLine(60, [{ err: 'a bare string' }, 'unhandled error'])).toEqual({
      level: 60,
      msg: 'unhandled error',
      err: 'a bare string',
    });
    expect(errorLogLine(50, [{ taskId: 't1' }])).toEqual({ level: 50, msg: '{"taskId":"t1"}' });
  });
});
