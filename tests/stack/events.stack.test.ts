// The outbox relay against the real stack: what an API write puts on Kafka, and what a crash between
// publish and mark does (issue 4).
import { access, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskEvent } from '@todo/core';
import { describe, expect, it } from 'vitest';
import {
  activity,
  committedOffset,
  createTask,
  readTopic,
  signUp,
  stack,
  tasksUrl,
  waitFor,
  type KafkaRecord,
} from './helpers.ts';

type CloudEvent = {
  specversion: string;
  id: string;
  source: string;
  type: string;
  subject: string;
  datacontenttype: string;
  data: unknown;
};

const recordsOf = (records: KafkaRecord[], taskId: string) => records.filter((r) => r.key === taskId);

describe('task events on Kafka', () => {
  it('an API write produces exactly the expected CloudEvent on task-events', async () => {
    const { token, userId } = await signUp();
    const task = await createTask(token, { title: 'Pay rent', priority: 'high', tags: ['bills'] });

    const topic = await readTopic('task-events');
    try {
      const [record] = await waitFor('the task.created event on task-events', async () => {
        const mine = recordsOf(topic.records, task.id);
        return mine.length > 0 ? mine : undefined;
      });
      // The relay has marked it sent once the task history (a consumer of the same topic) has it; anything
      // published for this task by then is on the topic: read up to its end, then count.
      await waitFor('the task history to list the event', async () =>
        (await activity(token, task.id)).length > 0 ? true : undefined,
      );
      await waitFor('the reader to catch up with the topic', async () =>
        (await topic.caughtUp()) ? true : undefined,
      );
      expect(recordsOf(topic.records, task.id)).toHaveLength(1);

      const ce = record!.value as CloudEvent;
      expect(record!.key).toBe(task.id);
      // Dapr carries the partition key as the record key (one task's events stay in order) and as a header.
      expect(record!.headers['partitionKey']).toBe(task.id);
      expect(ce).toMatchObject({
        specversion: '1.0',
        source: 'tasks',
        type: 'task.created',
        subject: task.id,
        datacontenttype: 'application/json',
      });
      expect(ce.id).toMatch(/\S/);
      expect(ce.data).toEqual({
        id: ce.id,
        type: 'task.created',
        time: task.updatedAt,
        subject: task.id,
        version: task.version,
        data: { owner: userId, zone: 'UTC', task },
        // With tracing on (the stack runs Jaeger once it is installed), the event carries the write's trace.
        ...(stack().jaeger
          ? { traceparent: expect.stringMatching(/^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/) }
          : {}),
      });
      expect(TaskEvent.parse(ce.data)).toEqual(ce.data);
    } finally {
      await topic.stop();
    }
  });

  it('a crash between publish and mark re-sends, and the idempotent consumer keeps the event once', async () => {
    const s = stack();
    const failpoint = join(s.dataDir, 'failpoints', 'relay-after-publish');
    const log = join(s.logsDir, 'tasks.log');
    const { token } = await signUp();
    const logFrom = (await stat(log)).size;
    await mkdir(join(s.dataDir, 'failpoints'), { recursive: true });
    await writeFile(failpoint, '');

    const task = await createTask(token, { title: 'Survive a crash' });

    // The relay publishes, removes the failpoint and exits; the supervisor starts the service again.
    const restart = await waitFor(
      'the task service to exit at the failpoint and be started again',
      async () => {
        const text = (await readFile(log)).subarray(logFrom).toString('utf8');
        const crashed = text.search(/failpoint/i); // the relay's fatal log line
        if (crashed < 0) return undefined;
        const again = /^--- \S+ start #\d+:/m.exec(text.slice(crashed));
        return again ? again[0] : undefined;
      },
      { timeoutMs: 90_000 },
    );
    expect(restart).toMatch(/start #\d+/);
    await expect(access(failpoint)).rejects.toThrow(); // fired once, and only once
    await waitFor('the restarted task service to answer', async () => {
      const res = await fetch(tasksUrl('/healthz'));
      return res.ok ? true : undefined;
    });

    const topic = await readTopic('task-events');
    try {
      const twice = await waitFor(
        'the same event on task-events twice (before and after the crash)',
        async () => {
          const mine = recordsOf(topic.records, task.id);
          return mine.length >= 2 ? mine : undefined;
        },
        { timeoutMs: 60_000 },
      );
      const ids = twice.map((r) => (r.value as CloudEvent).id);
      expect(new Set(ids).size).toBe(1);
      expect(twice.map((r) => (r.value as CloudEvent).type)).toEqual(['task.created', 'task.created']);

      // The task history (the task service's own subscription, consumer group `tasks`) has seen both
      // deliveries once its group has committed past the second one.
      const second = twice[1]!;
      await waitFor(
        'consumer group tasks to commit past the duplicate',
        async () =>
          (await committedOffset('tasks', 'task-events', second.partition)) > BigInt(second.offset)
            ? true
            : undefined,
        { timeoutMs: 60_000 },
      );
      const entries = await activity(token, task.id);
      expect(entries.filter((e) => e.eventId === ids[0])).toHaveLength(1);
      expect(entries).toHaveLength(1);
      // Both copies were delivered to the consumer, not dead-lettered while the service was down (daprd's
      // app health check pauses delivery until it is back): the de-duplication above is what kept it once.
      const dlq = await readTopic('task-events-dlq');
      try {
        await waitFor('the dead-letter reader to catch up', async () =>
          (await dlq.caughtUp()) ? true : undefined,
        );
        expect(dlq.records.filter((r) => (r.value as { id?: string }).id === ids[0])).toEqual([]);
      } finally {
        await dlq.stop();
      }
      await waitFor('the reader to catch up with the topic', async () =>
        (await topic.caughtUp()) ? true : undefined,
      );
      expect(recordsOf(topic.records, task.id)).toHaveLength(2);
    } finally {
      await topic.stop();
    }
  });
});
