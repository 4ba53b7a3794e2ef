import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { SearchAnswer } from '@todo/core';
import { MongoClient } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { invokeVia, json, readTopic, signUp, stack, viaDapr, waitFor, type ApiTask } from './helpers.ts';

// The search box through the stack: tasks written through daprd, their events on Kafka, the search app's
// indexer beside its daprd, /api/search invoked through daprd, and both reindexes.

// Called through the chat's daprd, as the chat calls both.
const tasksApi = viaDapr('chat');
const run = promisify(execFile);

async function find(token: string, q: string, filter = ''): Promise<SearchAnswer> {
  const params = new URLSearchParams({ q, filter, sort: 'title' });
  const res = await invokeVia('chat', 'search', `/api/search?${params}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  return json<SearchAnswer>(res, 200);
}

async function write(token: string, method: string, path: string, body?: object): Promise<Response> {
  return fetch(`${tasksApi.base}${path}`, {
    method,
    headers: {
      ...tasksApi.headers,
      authorization: `Bearer ${token}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
    },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
}

const reindex = async (from: 'store' | 'kafka') =>
  JSON.parse(
    (
      await run(process.execPath, ['services/search/src/cli/reindex.ts', '--from', from], {
        timeout: 120_000,
      })
    ).stdout,
  ) as { tasks: number; ms: number };

describe('search through the stack', () => {
  it("finds a task by a misspelt word through daprd, forgets it once deleted, and never shows another owner's", async () => {
    const { token } = await signUp();
    const other = await signUp();
    const task = await json<ApiTask>(
      await write(token, 'POST', '/api/tasks', { title: 'Pay the electricity invoice', tags: ['bills'] }),
      201,
    );
    const written = Date.now();
    const found = await waitFor('the task in the index', async () => {
      const r = await find(token, 'invoce');
      return r.total === 1 ? r : undefined;
    });
    // How long the event took to reach the index (outbox, Kafka, daprd, indexer), for the record;
    // npm run bench measures it under load.
    console.log(`search: found ${Date.now() - written} ms after the write`);
    expect(found.hits[0]).toMatchObject({
      id: task.id,
      title: 'Pay the electricity invoice',
      tags: ['bills'],
    });
    expect(found.hits[0]!.highlight.title).toContain('<mark>invoice</mark>');
    expect((await find(other.token, 'invoce')).total).toBe(0);
    expect((await find(other.token, '', `title:"x\\" OR owner != \\""`)).total).toBe(0);

    expect((await write(token, 'DELETE', `/api/tasks/${task.id}`)).status).toBe(204);
    await waitFor('the deletion in the index', async () =>
      (await find(token, 'invoce')).total === 0 ? true : undefined,
    );
  });

  it('reindexes from the store and by replaying the compacted topic, each to what the store holds', async () => {
    const { token } = await signUp();
    const titles = ['Renew the car insurance', 'Book the dentist', 'Return library books'];
    const tasks: ApiTask[] = [];
    for (const title of titles)
      tasks.push(await json<ApiTask>(await write(token, 'POST', '/api/tasks', { title }), 201));
    // Several events per task, so compaction has older ones to drop; the newest titles are the truth.
    for (let round = 1; round <= 3; round++) {
      for (const t of tasks) {
        const r = await write(token, 'PATCH', `/api/tasks/${t.id}`, {
          title: `${titles[tasks.indexOf(t)]} v${round}`,
        });
        expect(r.status).toBe(200);
      }
    }
    const gone = tasks.pop()!;
    expect((await write(token, 'DELETE', `/api/tasks/${gone.id}`)).status).toBe(204);
    const expected = ['Book the dentist v3', 'Renew the car insurance v3'];
    // The tasks that roll the topic's segment below are left out.
    const current = async () => (await find(token, '', '-title:roll')).hits.map((h) => h.title);
    await waitFor('the index to follow the writes', async () =>
      JSON.stringify(await current()) === JSON.stringify(expected) ? true : undefined,
    );

    // What the store holds as the store's rebuild starts, read straight from it: each must be on the topic.
    const client = new MongoClient(stack().mongo.url);
    const stored = await client
      .db('todo')
      .collection<{ _id: string; title: string }>('tasks')
      .find({ deleted: false }, { projection: { title: 1 } })
      .toArray()
      .finally(() => client.close());
    const fromStore = await reindex('store');
    expect(fromStore.tasks).toBeGreaterThanOrEqual(2);
    expect(await current()).toEqual(expected);
    expect((await find(token, 'insurnce')).hits.map((h) => h.title)).toEqual(['Renew the car insurance v3']);

    // Compaction: the local topic rolls a segment every 10 s and the cleaner looks every second. Once a
    // newer segment exists, this test's older events leave the topic.
    const ids = new Set([...tasks, gone].map((t) => t.id));
    let onTopic = new Set<string>();
    const countMine = async () => {
      const topic = await readTopic('task-events');
      try {
        await waitFor('the topic read to its end', async () => ((await topic.caughtUp()) ? true : undefined));
        onTopic = new Set(topic.records.flatMap((r) => (r.key === undefined ? [] : [r.key])));
        return topic.records.filter((r) => r.key !== undefined && ids.has(r.key)).length;
      } finally {
        await topic.stop();
      }
    };
    const before = await countMine();
    expect(before).toBeGreaterThan(ids.size);
    await waitFor(
      "compaction to keep only each task's newest event",
      async () => {
        // A segment rolls on the next append to its partition after 10 s: a dozen writes reach all six.
        for (let i = 0; i < 12; i++)
          await write(token, 'POST', '/api/tasks', { title: 'Roll the segment' }).then((r) => r.text());
        return (await countMine()) === ids.size ? true : undefined;
      },
      { timeoutMs: 90_000, everyMs: 3_000 },
    );

    // Named, so that a failure says which tasks the topic lacks (and from when).
    expect(stored.filter((t) => !onTopic.has(t._id)).map((t) => `${t._id} ${t.title}`)).toEqual([]);
    const fromKafka = await reindex('kafka');
    expect(fromKafka.tasks).toBeGreaterThanOrEqual(fromStore.tasks);
    expect(await current()).toEqual(expected);
    expect((await find(token, 'insurnce')).hits.map((h) => h.title)).toEqual(['Renew the car insurance v3']);
    expect((await find(token, 'library')).total).toBe(0);
  });
});
