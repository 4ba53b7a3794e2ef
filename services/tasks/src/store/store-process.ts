import { createInterface } from 'node:readline';
import { createMongoStore } from './mongo.ts';
import type { Store } from './store.ts';

// A task store in a process of its own, for the store contract's cross-process tests (remote.testing.ts):
// one JSON line in per call, `{id, method, args}`, one line out, `{id, result}` or `{id, error}`.
const [url, dbName] = process.argv.slice(2);
const store = await createMongoStore(url!, dbName);
const revive = (_k: string, v: unknown) =>
  v && typeof v === 'object' && '$date' in v ? new Date((v as { $date: string }).$date) : v;

for await (const line of createInterface({ input: process.stdin })) {
  const { id, method, args } = JSON.parse(line, revive) as {
    id: number;
    method: keyof Store;
    args: unknown[];
  };
  const call = (store[method] as (...a: unknown[]) => Promise<unknown>).apply(store, args);
  call.then(
    (result) => process.stdout.write(`${JSON.stringify({ id, result })}\n`),
    (err: unknown) => process.stdout.write(`${JSON.stringify({ id, error: String(err) })}\n`),
  );
}
await store.close();
