import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ParseResult } from '../parse/contract.ts';

const cli = join(import.meta.dirname, 'parse.ts');
const run = (...args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });

// Each case starts Node processes: seconds each on a busy machine, which is not what these tests measure.
describe('chat:parse', { timeout: 60_000 }, () => {
  it('prints exactly one JSON object for a message', () => {
    const out = execFileSync(
      process.execPath,
      [
        cli,
        '--now',
        '2026-11-24T10:00',
        '--tz',
        'Europe/Berlin',
        'pay rent on the 1st of every month at 9am #bills',
      ],
      {
        encoding: 'utf8',
      },
    );
    expect(out.trim().split('\n')).toHaveLength(1);
    const result = ParseResult.parse(JSON.parse(out));
    expect(result).toMatchObject({
      intent: 'add',
      title: 'pay rent',
      tags: ['bills'],
      due: { date: '2026-12-01', time: '09:00' },
    });
    expect(result.occurrences).toEqual(['2026-12-01T09:00', '2027-01-01T09:00', '2027-02-01T09:00']);
  });

  it('joins several words given without quotes', () => {
    const r = run('--now', '2026-11-24T10:00', '--tz', 'Europe/Berlin', 'buy', 'milk', 'tomorrow');
    expect(JSON.parse(r.stdout)).toEqual({ intent: 'add', title: 'buy milk', due: { date: '2026-11-25' } });
  });

  it('exits 2 with a message on stderr for a bad clock, zone or option', () => {
    for (const args of [
      ['--now', 'tomorrow', 'x'],
      ['--tz', 'Nowhere/City', 'x'],
      ['--nope', 'x'],
    ]) {
      const r = run(...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^chat:parse: /);
    }
  });
});
