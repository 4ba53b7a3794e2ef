import { describe, expect, it } from 'vitest';
import { correctTypo, editDistance, normalizeWord, Scan, titleFrom, tokenize } from './text.ts';

describe('typo correction', () => {
  it('fixes common slips in keywords, weekdays and months', () => {
    expect(correctTypo('remnd')).toBe('remind');
    expect(correctTypo('wendesday')).toBe('wednesday');
    expect(correctTypo('tomorow')).toBe('tomorrow');
    expect(correctTypo('febuary')).toBe('february');
    expect(correctTypo('reschdule')).toBe('reschedule');
    expect(correctTypo('compelte')).toBe('complete');
    expect(correctTypo('snoze')).toBe('snooze');
  });

  it('leaves real words alone, and words too short to judge', () => {
    for (const w of ['dairy', 'remote', 'sundae', 'mouth', 'actually', 'dine', 'milk', 'plumber', 'report']) {
      expect(correctTypo(w)).toBe(w);
    }
  });

  it('counts a swap of two letters as one edit', () => {
    expect(editDistance('wendesday', 'wednesday')).toBe(1);
    expect(editDistance('abc', 'abc')).toBe(0);
    expect(editDistance('kitten', 'sitting', 5)).toBe(3);
  });
});

describe('normalising words', () => {
  it('expands chat shorthand and trims punctuation', () => {
    expect(normalizeWord('tmrw')).toBe('tomorrow');
    expect(normalizeWord('Tomorrow,')).toBe('tomorrow');
    expect(normalizeWord('@5pm')).toBe('at 5pm');
    expect(normalizeWord("don't")).toBe('do not');
    expect(normalizeWord('!!!')).toBe('!!!');
  });

  it('keeps a possessive apart from a plural: "monday\'s" is not "mondays"', () => {
    expect(normalizeWord("monday's")).toBe('monday_s');
    expect(normalizeWord('mondays')).toBe('mondays');
  });

  it('does not look names up on Object.prototype', () => {
    expect(normalizeWord('__proto__')).toBe('proto');
    expect(normalizeWord('constructor')).toBe('constructor');
  });
});

describe('Scan', () => {
  it('keeps quoted runs whole and control characters out', () => {
    const tokens = tokenize('add "buy oat milk" now\u0000\u0007please');
    expect(tokens.map((t) => t.quoted ?? t.norm)).toEqual(['add', 'buy oat milk', 'now', 'please']);
  });

  it('claims what a pattern matches, with the connector before it, and titles the rest', () => {
    const scan = new Scan('Call Mom on friday, about taxes');
    expect(scan.find(/\bfriday\b/)).not.toBeNull();
    expect(titleFrom(scan)).toBe('Call Mom about taxes');
  });
});
