import { fixedClock } from '@todo/core';
import { describe, expect, it } from 'vitest';
import { createSqliteStore } from '../store/sqlite.ts';
import { createTaskService } from './service.ts';

describe('task service: series instances for the workflows', () => {
  it('creates an instance once per key, keeping its reminder ids, series and occurrence', async () => {
    const store = createSqliteStore(':memory:');
    let writes = 0;
    const tasks = createTaskService({
      store,
      clock: fixedClock('2026-11-24T10:00:00Z'),
      onWrite: () => writes++,
    });
    await store.createUser({
      id: 'u1',
      email: 'u1@example.com',
      passwordHash: 'h',
      tz: 'Europe/Berlin',
      createdAt: '',
    });
    const input = {
      title: 'Pay rent',
      priority: 'high' as const,
      tags: ['bills'],
      due: { date: '2027-01-01', time: '09:00' },
      reminders: [{ id: 'r-series', offset: '-PT1H' }],
      recurrence: { rrule: 'FREQ=MONTHLY;BYMONTHDAY=1', mode: 'schedule' as const },
      seriesId: 'series-1',
      occurrence: '2027-01-01T09:00',
    };
    const first = await tasks.createOccurrence('u1', 'series-1@2027-01-01T09:00', input);
    expect(first).toMatchObject({
      seriesId: 'series-1',
      occurrence: '2027-01-01T09:00',
      reminders: input.reminders,
    });
    const again = await tasks.createOccurrence('u1', 'series-1@2027-01-01T09:00', {
      ...input,
      title: 'other',
    });
    expect(again).toEqual(first);
    expect(writes).toBe(1);
    await expect(tasks.createOccurrence('nobody', 'k', input)).rejects.toMatchObject({
      code: 'OWNER_NOT_FOUND',
    });
  });
});
