import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { openEventStream } from '@todo/server/testing';
import { Kafka, logLevel } from 'kafkajs';
import { readRunningStack, startStack, type StackInfo } from '../../deploy/local/stack.ts';
import { machine } from './lib.ts';

// Reminder bursts through the real stack: N reminders at the same instant T, ten per task (the most a
// task may have), made through the tasks API; then the lateness of each `reminder` event on the owner's
// SSE stream (from T to its arrival), and the memory of the workflow side while the N workflows sleep.

const SIZES = [1_000, 10_000];
const PER_TASK = 10;
const CREATE_CONCURRENCY = 16;
/** Reminders per account: under the tasks API's quota per owner (2,000 by default). */
const PER_ACCOUNT = 1_000;

interface Burst {
  n: number;
  /** Seconds over which the N fire times are spread evenly from T (0: all at T). */
  spreadS: number;
  setupS: number;
  sleepingMb: Record<string, number>;
  delivered: number;
  duplicates: number;
  p50: number;
  p99: number;
  max: number;
  /** The 1-minute load average just before T and when the last reminder came (the machine is shared). */
  load: [number, number];
}

export async function remindersBench(sizes: readonly number[] = SIZES, spreadS = 0): Promise<string> {
  if (sizes.some((n) => !Number.isInteger(n) || n < PER_TASK || n % PER_TASK !== 0))
    throw new Error(`--reminders takes multiples of ${PER_TASK}, comma-separated: ${sizes.join(',')}`);
  if (!(spreadS >= 0)) throw new Error(`--spread takes seconds (0 or more): ${spreadS}`);
  const idleLoad = loadavg()
    .map((l) => l.toFixed(2))
    .join(' / ');
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const running = await readRunningStack();
  const started = running ? undefined : await startStack({ log: (l) => console.log(`[stack] ${l}`) });
  const info = running ?? started!.info;
  const bursts: Burst[] = [];
  try {
    let perSecond = 50; // reminders set up per second: a guess until the first burst measures it
    for (const n of sizes) {
      bursts.push(await burst(info, n, perSecond, spreadS));
      perSecond = n / bursts.at(-1)!.setupS;
    }
  } finally {
    await started?.stop();
  }
  const mb = (b: Burst) =>
    Object.entries(b.sleepingMb)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  return `## Reminder bursts through the stack

Machine: ${machine()}, commit ${commit}; load average (1/5/15 min) when the benchmark started: ${idleLoad}. The whole stack (Kafka, FerretDB, Redis, Dapr control plane, four apps with their
daprds) and the load on the same 2 cores.
Per burst: one account per ${PER_ACCOUNT} reminders, each with its SSE stream open; N/${PER_TASK} tasks created through the tasks API (${CREATE_CONCURRENCY} at a time), each with
${PER_TASK} absolute reminders at the same instant T (or, with a spread, the N fire times evenly over the spread from T);
the coordinator starts N reminder workflows; at its time each fires,
its activity checks the coordinator's record of the task (decision 0040: the task is read through the tasks
API only when the record moved on) and publishes \`reminder.due\` to Kafka; notifications takes them in
bulk, stores them and pushes them to the owner's open SSE stream. Lateness = arrival on the stream − the
reminder's own fire time.
Set-up = from the first create until the workflows app's consumer group has applied every task event.

| reminders | spread s | set-up s | delivered | duplicates | p50 s | p99 s | max s | load at T / at end | resident MB while N sleep |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
${bursts.map((b) => `| ${b.n} | ${b.spreadS} | ${b.setupS.toFixed(0)} | ${b.delivered} | ${b.duplicates} | ${b.p50.toFixed(2)} | ${b.p99.toFixed(2)} | ${b.max.toFixed(2)} | ${b.load.map((l) => l.toFixed(2)).join(' / ')} | ${mb(b)} |`).join('\n')}
`;
}

async function burst(info: StackInfo, n: number, perSecond: number, spreadS: number): Promise<Burst> {
  const tasks = `http://127.0.0.1:${info.apps['tasks']}`;
  const accounts = await Promise.all(
    Array.from({ length: Math.ceil(n / PER_ACCOUNT) }, async () => {
      const signup = await fetch(`${tasks}/api/auth/signup`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: `burst-${randomUUID()}@example.com`, password: 'benchmark password' }),
      });
      const { token } = (await signup.json()) as { token: string };
      const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
      const stream = await openEventStream(
        `http://127.0.0.1:${info.apps['notifications']}/api/notifications/stream`,
        headers,
      );
      return { headers, stream, ids: [] as string[] };
    }),
  );
  const reminderFrames = () =>
    accounts.flatMap((a) => a.stream.events().filter((f) => f.event === 'reminder'));
  // T leaves room for the set-up at the rate seen so far, twice over.
  const t0 = Date.now();
  const T = Math.ceil((t0 + 30_000 + (2 * n * 1000) / perSecond) / 1000) * 1000;
  const tasksToMake = n / PER_TASK;
  // Reminder i of task k fires at T plus its even share of the spread.
  const reminders = (k: number) =>
    Array.from({ length: PER_TASK }, (_, i) => ({
      id: `r${i}`,
      at: new Date(T + Math.floor(((k * PER_TASK + i) * spreadS * 1000) / n)).toISOString(),
    }));
  console.log(`burst ${n}: reminders from ${new Date(T).toISOString()} over ${spreadS} s`);
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      while (next < tasksToMake) {
        const i = next++;
        const account = accounts[Math.floor((i * PER_TASK) / PER_ACCOUNT)]!;
        const res = await fetch(`${tasks}/api/tasks`, {
          method: 'POST',
          headers: account.headers,
          body: JSON.stringify({ title: `Burst ${i}`, reminders: reminders(i) }),
        });
        if (res.status !== 201) throw new Error(`create ${i}: ${res.status} ${await res.text()}`);
        account.ids.push(((await res.json()) as { id: string }).id);
      }
    }),
  );
  await caughtUp(info, 'workflows', 'task-events');
  const setupS = (Date.now() - t0) / 1000;
  if (Date.now() > T - 2000) throw new Error(`set-up took ${setupS} s, past T: make T later`);
  await sleep(Math.max(0, T - Date.now() - 1000));
  const sleepingMb = {
    'daprd (workflows)': rssMb('daprd.*--app-id workflows'),
    scheduler: rssMb('dapr-1.18.2/bin/scheduler'),
    worker: rssMb('workflows/src/server.ts'),
  };

  const loadAtT = loadavg()[0]!;
  const deadline = T + spreadS * 1000 + 10 * 60_000;
  while (Date.now() < deadline && reminderFrames().length < n) await sleep(500);
  const loadAtEnd = loadavg()[0]!;
  await sleep(3000); // any duplicates
  accounts.forEach((a) => a.stream.close());
  const frames = reminderFrames();
  const seen = new Set<string>();
  const late: number[] = [];
  for (const f of frames) {
    const { id, data } = f.data as { id: string; data: { fireAt: string } };
    if (seen.has(id)) continue;
    seen.add(id);
    late.push((f.receivedAt! - Date.parse(data.fireAt)) / 1000);
  }
  late.sort((a, b) => a - b);
  const pct = (p: number) => late[Math.min(late.length - 1, Math.floor((p / 100) * late.length))] ?? NaN;
  for (const a of accounts) await cleanUp(tasks, a.headers, a.ids);
  return {
    n,
    spreadS,
    setupS,
    sleepingMb,
    delivered: seen.size,
    duplicates: frames.length - seen.size,
    p50: pct(50),
    p99: pct(99),
    max: late.at(-1) ?? NaN,
    load: [loadAtT, loadAtEnd],
  };
}

/** Waits until a consumer group has committed every partition of a topic to its end. */
async function caughtUp(info: StackInfo, group: string, topic: string): Promise<void> {
  const admin = new Kafka({ brokers: info.kafka.brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    for (;;) {
      const ends = await admin.fetchTopicOffsets(topic);
      const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      const lag = ends.reduce((sum, p) => {
        const c = committed?.partitions.find((x) => x.partition === p.partition)?.offset ?? '0';
        return sum + Number(p.high) - Math.max(0, Number(c));
      }, 0);
      if (lag === 0) return;
      await sleep(500);
    }
  } finally {
    await admin.disconnect();
  }
}

/** Resident memory (MB) of the process whose command line matches. */
function rssMb(pattern: string): number {
  const pid = execFileSync('pgrep', ['-f', '-o', pattern], { encoding: 'utf8' }).trim();
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Math.round(Number(kb) / 1024);
}

/** Deletes the burst's tasks, so later runs and the reconciler do not carry them. */
async function cleanUp(tasks: string, headers: Record<string, string>, ids: string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CREATE_CONCURRENCY }, async () => {
      while (next < ids.length) {
        const res = await fetch(`${tasks}/api/tasks/${ids[next++]}`, { method: 'DELETE', headers });
        await res.body?.cancel();
      }
    }),
  );
}
