import { fixedClock, TaskDue, type Task } from '@todo/core';
import { describe, expect, it } from 'vitest';
import { memoryPublisher, memoryTasks } from '../testing/memory.ts';
import { createTimerActivities, dueEventId, occurrenceKey } from './activities.ts';

function setup(now = '2025-06-11T07:00:00Z') {
  const clock = fixedClock(now);
  const tasks = memoryTasks({ clock, zone: 'UTC' });
  const pub = memoryPublisher();
  const acts = createTimerActivities({ tasks, publisher: pub.publisher, clock });
  return { clock, tasks, pub, acts };
}
const daily = (fields: Partial<Task> = {}) => ({
  title: 'water plants',
  due: { date: '2025-06-10', time: '09:00' },
  reminders: [
    { id: 'r', offset: '-PT1H' },
    { id: 'abs', at: '2025-06-10T08:00:00Z' },
  ],
  recurrence: { rrule: 'FREQ=DAILY', mode: 'schedule' as const },
  tags: ['home'],
  ...fields,
});

describe('materialiseOccurrence', () => {
  it('creates the planned instance once, whatever the replays', async () => {
    const { tasks, acts } = setup();
    const head = await tasks.create('u1', daily());
    const input = { owner: 'u1', seriesId: head.id, fromTaskId: head.id, occurrence: '2025-06-11T09:00' };
    const first = await acts.materialiseOccurrence(input);
    const again = await acts.materialiseOccurrence(input);
    expect(first.outcome).toBe('created');
    expect(again).toEqual(first);
    const instances = tasks.all().filter((t) => t.id !== head.id);
    expect(instances).toHaveLength(1);
    expect(instances[0]).toMatchObject({
      title: 'water plants',
      tags: ['home'],
      seriesId: head.id,
      occurrence: '2025-06-11T09:00',
      due: { date: '2025-06-11', time: '09:00' },
      // The relative reminder travels; the absolute one stays with its instance.
      reminders: [{ id: 'r', offset: '-PT1H' }],
      recurrence: { rrule: 'FREQ=DAILY', mode: 'schedule' },
    });
    expect(occurrenceKey(head.id, '2025-06-11T09:00')).toBe(`${head.id}@2025-06-11T09:00`);
  });

  it('publishes task.due when the instance is already due, with a replay-stable id', async () => {
    const { tasks, pub, acts, clock } = setup('2025-06-11T08:00:00Z');
    const head = await tasks.create('u1', daily());
    const input = { owner: 'u1', seriesId: head.id, fromTaskId: head.id, occurrence: '2025-06-11T09:00' };
    const early = await acts.materialiseOccurrence(input);
    expect(early).toMatchObject({ outcome: 'created', announced: false });
    expect(pub.published).toEqual([]);
    clock.set('2025-06-11T09:00:00Z');
    const late = await acts.materialiseOccurrence(input);
    const again = await acts.materialiseOccurrence(input);
    expect(late).toMatchObject({ outcome: 'created', announced: true });
    expect(again).toMatchObject({ announced: true });
    expect(pub.delivered()).toHaveLength(1);
    const instance = (late as { task: Task }).task;
    expect(TaskDue.parse(pub.published[0])).toMatchObject({
      id: dueEventId(instance.id, '2025-06-11T09:00:00.000Z'),
      type: 'task.due',
      subject: instance.id,
      data: {
        owner: 'u1',
        taskId: instance.id,
        occurrence: '2025-06-11T09:00',
        due: { date: '2025-06-11', time: '09:00' },
      },
    });
  });

  it('after downtime makes one instance: the newest started occurrence', async () => {
    const { tasks, acts } = setup('2025-06-15T10:00:00Z');
    const head = await tasks.create('u1', daily());
    const r = await acts.materialiseOccurrence({
      owner: 'u1',
      seriesId: head.id,
      fromTaskId: head.id,
      occurrence: '2025-06-11T09:00',
    });
    expect(r).toMatchObject({ outcome: 'created', occurrence: '2025-06-15T09:00' });
    expect(tasks.all().map((t) => t.occurrence)).toEqual(['2025-06-10T09:00', '2025-06-15T09:00']);
  });

  it('uses up COUNT for the instance and for the occurrences a catch-up skipped', async () => {
    const { tasks, acts } = setup('2025-06-13T10:00:00Z');
    const head = await tasks.create(
      'u1',
      daily({ recurrence: { rrule: 'FREQ=DAILY;COUNT=5', mode: 'schedule' } }),
    );
    const r = await acts.materialiseOccurrence({
      owner: 'u1',
      seriesId: head.id,
      fromTaskId: head.id,
      occurrence: '2025-06-11T09:00',
    });
    // 10th (the head), 11th and 12th missed, 13th made: two are left after it.
    expect(r).toMatchObject({ outcome: 'created', occurrence: '2025-06-13T09:00' });
    expect((r as { task: Task }).task.recurrence?.rrule).toBe('FREQ=DAILY;COUNT=2');
  });

  it('does nothing for a stale plan: gone, paused, rule changed, reopened', async () => {
    const { tasks, acts } = setup();
    const head = await tasks.create('u1', daily());
    const input = { owner: 'u1', seriesId: head.id, fromTaskId: head.id, occurrence: '2025-06-11T09:00' };
    await tasks.update(head.id, { recurrence: { rrule: 'FREQ=WEEKLY', mode: 'schedule' } });
    expect(await acts.materialiseOccurrence(input)).toEqual({ outcome: 'stale', reason: 'rule changed' });
    await tasks.update(head.id, { recurrence: { rrule: 'FREQ=DAILY', mode: 'schedule', paused: true } });
    expect(await acts.materialiseOccurrence(input)).toEqual({ outcome: 'stale', reason: 'paused' });
    await tasks.remove(head.id);
    expect(await acts.materialiseOccurrence(input)).toEqual({ outcome: 'stale', reason: 'instance gone' });
    expect(tasks.all()).toEqual([]);

    const ac = await tasks.create(
      'u1',
      daily({ recurrence: { rrule: 'FREQ=DAILY;INTERVAL=3', mode: 'after-completion' } }),
    );
    const acInput = { owner: 'u1', seriesId: ac.id, fromTaskId: ac.id, occurrence: '2025-06-14T09:00' };
    expect(await acts.materialiseOccurrence(acInput)).toEqual({ outcome: 'stale', reason: 'reopened' });
    await tasks.complete(ac.id); // at 2025-06-11T07:00Z: three days later is the 14th
    expect(await acts.materialiseOccurrence(acInput)).toMatchObject({
      outcome: 'created',
      occurrence: '2025-06-14T09:00',
    });
  });
});

describe('announceDue', () => {
  it('publishes once per instance and due time, only while open and unmoved', async () => {
    const { tasks, pub, acts } = setup('2025-06-10T09:00:00Z');
    const t = await tasks.create('u1', daily());
    const at = '2025-06-10T09:00:00.000Z';
    expect(await acts.announceDue({ owner: 'u1', taskId: t.id, at: '2025-06-10T08:00:00.000Z' })).toBe(false);
    expect(await acts.announceDue({ owner: 'u1', taskId: t.id, at })).toBe(true);
    expect(await acts.announceDue({ owner: 'u1', taskId: t.id, at })).toBe(true);
    expect(pub.delivered().map((e) => e.id)).toEqual([dueEventId(t.id, at)]);
    await tasks.complete(t.id);
    expect(await acts.announceDue({ owner: 'u1', taskId: t.id, at })).toBe(false);
  });
});
