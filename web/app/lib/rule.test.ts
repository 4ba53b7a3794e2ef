import { describe, expect, it } from 'vitest';
import { joinRule, splitRule } from './rule.ts';

describe('the recurrence editor fields', () => {
  it('reads a simple rule into fields and writes it back the same', () => {
    const { simple, raw } = splitRule('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO');
    expect(simple).toEqual({ freq: 'WEEKLY', interval: 2, byday: ['MO'] });
    expect(raw).toBe('');
    expect(joinRule(simple!.freq, simple!.interval, simple!.byday)).toBe('FREQ=WEEKLY;INTERVAL=2;BYDAY=MO');
  });

  it('keeps a rule the fields cannot show as text', () => {
    expect(splitRule('FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1')).toEqual({
      simple: null,
      raw: 'FREQ=MONTHLY;BYDAY=FR;BYSETPOS=-1',
    });
    expect(splitRule('FREQ=MONTHLY;BYDAY=-1FR').simple).toBeNull();
  });

  it('writes no rule without a frequency, and no INTERVAL=1', () => {
    expect(joinRule('', 3, ['MO'])).toBe('');
    expect(joinRule('DAILY', 1, [])).toBe('FREQ=DAILY');
  });
});
