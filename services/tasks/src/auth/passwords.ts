import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { promisify } from 'node:util';
import { AppError } from '@todo/core';
import pLimit from 'p-limit';

const scrypt = promisify(scryptCb) as (
  pw: string,
  salt: Buffer,
  len: number,
  o: ScryptOptions,
) => Promise<Buffer>;

// OWASP's scrypt floor (N=2^17, r=8, p=1) costs ~128 MiB and ~0.3 s here; 2^15 keeps sign-in snappy on
// small nodes while staying well above brute-force reach for 8+ character passwords. Parameters are
// stored with each hash, so they can be raised later without breaking old accounts.
const PARAMS = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const KEY_LEN = 32;

/** Too many sign-ups and sign-ins are hashing already: the caller should come back in a moment. */
export class HashingBusyError extends AppError {
  // Written for the client (it should retry), so shown although it is a 5xx.
  override readonly expose = true;
  constructor() {
    super('BUSY', 503, 'too many sign-ins at once: try again in a moment');
  }
}

export interface HasherOptions {
  /** How many hashes run at once (each holds 32 MiB and a thread of libuv's pool). */
  concurrency: number;
  /** How many more may wait; past that a request is refused at once with HashingBusyError. */
  queue: number;
}

/**
 * Password hashing with a bound: at most `concurrency` scrypt runs at once and `queue` waiting, so a
 * burst of sign-ins can neither take the memory nor the thread pool the rest of the service needs.
 */
export function createHasher({ concurrency, queue }: HasherOptions) {
  const limit = pLimit(concurrency);
  const bounded = <T>(work: () => Promise<T>): Promise<T> => {
    // Counted together: calls of one tick are all pending until p-limit starts them a microtask later.
    if (limit.activeCount + limit.pendingCount >= concurrency + queue)
      return Promise.reject(new HashingBusyError());
    return limit(work);
  };
  return {
    /** Hashes a password as `scrypt$N$r$p$salt$hash` (base64url). */
    hash: (password: string) => bounded(() => hashPassword(password)),
    /** Checks a password against a stored hash in constant time. */
    verify: (password: string, stored: string) => bounded(() => verifyPassword(password, stored)),
    /** Running and waiting hashes (for tests and metrics). */
    load: () => ({ active: limit.activeCount, waiting: limit.pendingCount }),
  };
}
export type Hasher = ReturnType<typeof createHasher>;

async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password.normalize('NFKC'), salt, KEY_LEN, PARAMS);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password.normalize('NFKC'), Buffer.from(salt, 'base64url'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: PARAMS.maxmem,
  });
  return timingSafeEqual(key, expected);
}
