import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Store } from './store.ts';

/**
 * A Mongo task store opened in a child process (store-process.ts) on `url` and `dbName`, behind the Store
 * interface: two replicas of the task service, as the contract's cross-process tests need them.
 */
export async function openStoreProcess(url: string, dbName: string): Promise<Store> {
  const child = spawn(
    process.execPath,
    [new URL('./store-process.ts', import.meta.url).pathname, url, dbName],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const calls = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', (code) => {
    for (const c of calls.values()) c.reject(new Error(`store process exited (${code})`));
  });
  void (async () => {
    for await (const line of createInterface({ input: child.stdout })) {
      const { id, result, error } = JSON.parse(line) as { id: number; result?: unknown; error?: string };
      const call = calls.get(id);
      calls.delete(id);
      if (error !== undefined) call?.reject(new Error(error));
      else call?.resolve(result);
    }
  })();
  const encode = (_k: string, v: unknown) => (v instanceof Date ? { $date: v.toISOString() } : v);
  const call = (method: string, args: unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      const id = next++;
      calls.set(id, { resolve, reject });
      // Date.prototype.toJSON runs before the replacer sees a Date: send Dates tagged.
      const tagged = args.map((a) => (a instanceof Date ? { $date: a.toISOString() } : a));
      child.stdin.write(`${JSON.stringify({ id, method, args: tagged }, encode)}\n`);
    });
  await call('ping', []);
  return new Proxy({} as Store, {
    get(_t, method: string) {
      if (method === 'close')
        return async () => {
          child.stdin.end();
          await exited;
        };
      if (method === 'then') return undefined;
      return (...args: unknown[]) => call(method, args);
    },
  });
}
