import { randomUUID } from 'node:crypto';
import { systemClock, type Task } from '@todo/core';
import { createEmbeddedIndex, createMeiliIndex, createSearchApp, type IndexChange } from '@todo/search';
import { createTokens, listen } from '@todo/server';
import { pino } from 'pino';

// The search benchmark's server, in a process of its own (as the search app runs): fills an index with
// TASKS generated tasks over OWNERS owners, serves /api/search on PORT, and reports how fast it indexed
// at GET /bench/stats. MEILI_URL chooses Meilisearch.
const env = process.env;
const n = Number(env.TASKS);
const owners = Number(env.OWNERS);
const WORDS = (
  'pay invoice electricity rent call dentist mom doctor book flights train water plants renew passport ' +
  'insurance car garage clean kitchen laundry groceries milk bread report review budget taxes gym ' +
  'yoga meeting team project deadline email reply birthday gift party plan holiday hotel fix bike ' +
  'bathroom paint fence garden mow lawn library return books school pickup vet cat dog walk'
).split(' ');
const TAGS = ['home', 'work', 'bills', 'health', 'family', 'errands', 'admin', 'social'];
const PRIORITIES = ['none', 'low', 'medium', 'high'] as const;

let seed = 42;
const r = () => (seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;

function task(i: number): Task {
  const at = new Date(Date.UTC(2026, 10, 1) + i * 60_000).toISOString();
  const day = new Date(Date.UTC(2026, 11, 1) + Math.floor(r() * 90) * 86_400_000).toISOString().slice(0, 10);
  return {
    id: randomUUID(),
    title: `${pick(WORDS)} ${pick(WORDS)} ${pick(WORDS)}`,
    ...(r() < 0.3 ? { notes: Array.from({ length: 12 }, () => pick(WORDS)).join(' ') } : {}),
    status: r() < 0.8 ? 'open' : 'done',
    priority: pick(PRIORITIES),
    tags: r() < 0.7 ? [pick(TAGS)] : [],
    ...(r() < 0.6 ? { due: { date: day, ...(r() < 0.5 ? { time: '09:00' } : {}) } } : {}),
    reminders: [],
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

const index = env.MEILI_URL
  ? await createMeiliIndex({
      url: env.MEILI_URL,
      apiKey: env.MEILI_MASTER_KEY ?? '',
      index: `bench_${n}_${Date.now()}`,
    })
  : createEmbeddedIndex();
const heap0 = process.memoryUsage().heapUsed;
const started = performance.now();
let batch: IndexChange[] = [];
for (let i = 0; i < n; i++) {
  batch.push({ op: 'upsert', owner: `owner-${i % owners}`, zone: 'Europe/Berlin', task: task(i) });
  if (batch.length === 1_000) {
    await index.apply(batch);
    batch = [];
  }
}
await index.apply(batch);
const stats = {
  indexPerSecond: Math.round(n / ((performance.now() - started) / 1000)),
  heapMb: Math.round((process.memoryUsage().heapUsed - heap0) / 2 ** 20),
};
const logger = pino({ level: 'silent' });
const search = createSearchApp({
  index,
  clock: systemClock,
  logger,
  tokens: createTokens(env.JWT_SECRET!),
  sources: {},
});
const handle = search.app.callback();
const { stopped } = await listen(
  (req, res) => {
    if (req.url === '/bench/stats') res.end(JSON.stringify(stats));
    else void handle(req, res);
  },
  { port: Number(env.PORT), host: '127.0.0.1', logger, close: () => index.close() },
);
process.exit(await stopped);
