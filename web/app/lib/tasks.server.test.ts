import { describe, expect, it } from 'vitest';
import type { TaskView } from './format.ts';
import { grouper, withRule } from './tasks.server.ts';

const task = (due?: TaskView['due'], extra: Partial<TaskView> = {}): TaskView => ({
  id: 't',
  title: 'x',
  status: 'open',
  priority: 'none',
  tags: [],
  reminders: [],
  version: 1,
  ...(due ? { due } : {}),
  ...extra,
});

describe('board groups', () => {
  // 23:30 in Berlin on 6 December is 22:30 UTC: "today" is Berlin's day, not UTC's.
  const now = new Date('2026-12-06T22:30:00Z');
  const groupOf = grouper('Europe/Berlin', now);

  it('reads dues in the owner zone', () => {
    expect(groupOf(task({ date: '2026-12-06' }))).toBe('today');
    expect(groupOf(task({ date: '2026-12-06', time: '23:00' }))).toBe('overdue');
    expect(groupOf(task({ date: '2026-12-07', time: '00:15' }))).toBe('upcoming');
    expect(groupOf(task({ date: '2026-12-05' }))).toBe('overdue');
    expect(groupOf(task())).toBe('none');
  });

  it('does not call a done task overdue', () => {
    expect(groupOf(task({ date: '2026-12-06', time: '23:00' }, { status: 'done' }))).toBe('today');
  });
});

describe('a series on a card', () => {
  it('says the rule in words with the next dates after now', () => {
    const t = withRule(
      task(
        { date: '2026-12-07', time: '08:00' },
        { recurrence: { rrule: 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO', mode: 'schedule' } },
      ),
      'Europe/Berlin',
      new Date('2026-12-10T12:00:00Z'),
    );
    expect(t.rule?.text).toMatch(/every 2 weeks on Monday/);
    expect(t.rule?.next).toEqual(['2026-12-21T08:00:00', '2027-01-04T08:00:00', '2027-01-18T08:00:00']);
  });
});
