import { describe, expect, it } from 'vitest';
import { parseTimerId, TimerRef, timerId } from './timers.ts';
import { WorkflowRef } from './workflows.ts';

describe('timer ids', () => {
  it('round-trip a reminder, a due and a series', () => {
    const refs: TimerRef[] = [
      { kind: 'reminder', taskId: '0f8c2d5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f', reminderId: 'aB3_x-9' },
      { kind: 'due', taskId: '0f8c2d5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f' },
      { kind: 'series', seriesId: '0f8c2d5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f' },
    ];
    for (const ref of refs) expect(parseTimerId(timerId(ref))).toEqual(ref);
    expect(refs.map(timerId)).toEqual([
      'r~0f8c2d5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f~aB3_x-9',
      'd~0f8c2d5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
      's~0f8c2d5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f',
    ]);
  });

  it.each([
    '',
    'r~t1',
    'r~t1~r1~x',
    's~',
    's~a~b',
    'd~',
    'd~a~b',
    'x~t1',
    'r~~r1',
    't1:r1',
    't1#due',
    's1#next',
  ])('does not take %j for an id', (id) => {
    expect(parseTimerId(id)).toBeNull();
  });

  it('checks a ref crossing a process boundary', () => {
    expect(WorkflowRef.safeParse({ kind: 'series', seriesId: 's1', taskId: 't1' }).success).toBe(false);
    expect(WorkflowRef.safeParse({ kind: 'timer', seriesId: 's1' }).success).toBe(false);
    expect(WorkflowRef.safeParse({ kind: 'due', taskId: 't1' }).success).toBe(false);
    expect(TimerRef.safeParse({ kind: 'due', taskId: 't1' }).success).toBe(true);
  });
});
