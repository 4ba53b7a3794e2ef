import { describe, expect, it } from 'vitest';
import { parseWorkflowId, WorkflowRef, workflowId } from './workflows.ts';

describe('workflow ids', () => {
  it('round-trip a reminder and a series', () => {
    const refs: WorkflowRef[] = [
      { kind: 'reminder', taskId: '0f8c2d5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f', reminderId: 'aB3_x-9' },
      { kind: 'series', seriesId: '0f8c2d5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f' },
    ];
    for (const ref of refs) expect(parseWorkflowId(workflowId(ref))).toEqual(ref);
    expect(workflowId(refs[0]!)).toBe('r~0f8c2d5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f~aB3_x-9');
  });

  it.each(['', 'r~t1', 'r~t1~r1~x', 's~', 's~a~b', 'x~t1', 'r~~r1'])('does not take %j for an id', (id) => {
    expect(parseWorkflowId(id)).toBeNull();
  });

  it('checks a ref crossing a process boundary', () => {
    expect(WorkflowRef.safeParse({ kind: 'series', seriesId: 's1', taskId: 't1' }).success).toBe(false);
    expect(WorkflowRef.safeParse({ kind: 'timer', seriesId: 's1' }).success).toBe(false);
  });
});
