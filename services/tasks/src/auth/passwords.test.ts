import { describe, expect, it } from 'vitest';
import { createHasher, HashingBusyError } from './passwords.ts';

describe('password hashing', () => {
  it('verifies the password it hashed, and no other', async () => {
    const hasher = createHasher({ concurrency: 2, queue: 4 });
    const stored = await hasher.hash('correct horse');
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(await hasher.verify('correct horse', stored)).toBe(true);
    expect(await hasher.verify('wrong horse', stored)).toBe(false);
  });

  it('runs at most `concurrency` hashes with `queue` waiting, and refuses the rest at once', async () => {
    const hasher = createHasher({ concurrency: 2, queue: 3 });
    const results = await Promise.allSettled(Array.from({ length: 8 }, (_, i) => hasher.hash(`pw ${i}`)));
    // Two run, three wait; the other three are refused before any scrypt starts.
    const refused = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect(refused).toHaveLength(3);
    for (const r of refused) {
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(HashingBusyError);
      expect((r as PromiseRejectedResult).reason).toMatchObject({ status: 503, code: 'BUSY' });
    }
    expect(hasher.load()).toEqual({ active: 0, waiting: 0 });
  });
});
