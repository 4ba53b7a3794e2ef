// Dapr subscriptions against the real stack: a RETRY answer gets the message again, a message that is
// never accepted ends on the dead-letter topic, and each app consumes in its own consumer group.
import { describe, expect, it } from 'vitest';
import { committedOffset, createTask, kafka, readTopic, signUp, stack, waitFor } from './helpers.ts';

type Delivery = { id: string; subject: string; type: string; answer: 'SUCCESS' | 'RETRY' };

async function deliveriesOf(taskId: string): Promise<Delivery[]> {
  const res = await fetch(`http://127.0.0.1:${stack().probes.retryProbe.port}/deliveries`);
  return ((await res.json()) as Delivery[]).filter((d) => d.subject === taskId);
}

describe('subscriptions', () => {
  it('a subscription answering RETRY gets the same message again', async () => {
    const { token } = await signUp();
    const task = await createTask(token, { title: '[retry-once] water the plants' });

    const got = await waitFor('a second delivery to retry-probe', async () => {
      const d = await deliveriesOf(task.id);
      return d.length >= 2 ? d : undefined;
    });
    expect(got[0]).toMatchObject({ type: 'task.created', answer: 'RETRY' });
    expect(got[1]).toMatchObject({ id: got[0]!.id, type: 'task.created', answer: 'SUCCESS' });
  });

  it('a message the subscriber never accepts goes to the dead-letter topic', async () => {
    const { token } = await signUp();
    const task = await createTask(token, { title: '[retry-always] poison' });

    const dlq = await readTopic('task-events-dlq');
    try {
      const [dead] = await waitFor(
        'the event on task-events-dlq',
        async () => {
          const mine = dlq.records.filter((r) => (r.value as { subject?: string }).subject === task.id);
          return mine.length > 0 ? mine : undefined;
        },
        { timeoutMs: 90_000 },
      );
      const deliveries = await deliveriesOf(task.id);
      expect(deliveries.length).toBeGreaterThan(1);
      expect(deliveries.every((d) => d.answer === 'RETRY')).toBe(true);
      expect(dead!.value).toMatchObject({ id: deliveries[0]!.id, type: 'task.created', subject: task.id });
    } finally {
      await dlq.stop();
    }
  });

  it('each consuming app reads task-events in its own consumer group', async () => {
    const admin = kafka().admin();
    await admin.connect();
    try {
      const { groups } = await admin.listGroups();
      const ids = groups.map((g) => g.groupId);
      expect(ids).toEqual(expect.arrayContaining(['tasks', 'retry-probe']));
      const described = await admin.describeGroups(['tasks', 'retry-probe']);
      for (const g of described.groups) {
        expect(g.state, g.groupId).toBe('Stable');
        expect(g.members.length, g.groupId).toBeGreaterThan(0);
      }
    } finally {
      await admin.disconnect();
    }
    for (const group of ['tasks', 'retry-probe']) {
      const committed = await waitFor(`a committed offset for ${group}`, async () => {
        for (let p = 0; p < 6; p++) {
          const o = await committedOffset(group, 'task-events', p);
          if (o >= 0n) return o;
        }
        return undefined;
      });
      expect(committed).toBeGreaterThanOrEqual(0n);
    }
  });
});
