import { describe, expect, it } from 'vitest';
import { serialByKey } from './serial.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('serialByKey', () => {
  it('runs the calls of one key one at a time, in order, and other keys alongside', async () => {
    const serially = serialByKey();
    const log: string[] = [];
    const call = (key: string, name: string) =>
      serially(key, async () => {
        log.push(`${name} start`);
        await tick();
        log.push(`${name} end`);
        return name;
      });
    const results = await Promise.all([call('a', 'a1'), call('b', 'b1'), call('a', 'a2')]);
    expect(results).toEqual(['a1', 'b1', 'a2']);
    expect(log.indexOf('a2 start')).toBeGreaterThan(log.indexOf('a1 end'));
    expect(log.indexOf('b1 start')).toBeLessThan(log.indexOf('a1 end'));
  });

  it('goes on with the next call of a key after one fails, and the failure reaches its caller', async () => {
    const serially = serialByKey();
    const failed = serially('a', () => Promise.reject(new Error('boom')));
    const next = serially('a', async () => 'next');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
  });
});
