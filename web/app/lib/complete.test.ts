import { describe, expect, it } from 'vitest';
import { completions } from './complete.ts';

describe('filter completions', () => {
  it('completes the last word and keeps the text before it', () => {
    expect(completions('status:open pri', [])).toEqual([
      'status:open priority:high',
      'status:open priority:medium',
      'status:open priority:low',
      'status:open priority:none',
      'status:open priority>=medium',
    ]);
  });

  it("offers the owner's tags after # and keeps a leading minus", () => {
    expect(completions('-#ho', ['home', 'work', 'hobby'])).toEqual(['-#home', '-#hobby']);
  });

  it('offers nothing for a word that is already whole', () => {
    expect(completions('is:overdue', [])).toEqual([]);
  });
});
