import { describe, expect, it } from 'vitest';
import { canonicalRef } from './refs.ts';

describe('references to tasks', () => {
  it.each([
    ['it', 'it'],
    ['that one', 'it'],
    ['this task', 'it'],
    ['them', 'them'],
    ['both of them', 'them'],
    ['the first one', 'first'],
    ['the 2nd task', 'second'],
    ['number 3', 'third'],
    ['task 4', 'fourth'],
    ['2', 'second'],
    ['the last one', 'last'],
    ['the dentist task', 'dentist'],
    ['my dentist appointment', 'dentist appointment'],
    ['the gym series', 'gym'],
    ['the task called pay rent', 'pay rent'],
  ])('%s -> %s', (words, ref) => {
    expect(canonicalRef(words)).toBe(ref);
  });

  it('names nothing with nothing but filler', () => {
    expect(canonicalRef('')).toBeNull();
    expect(canonicalRef('the task ')).toBe('it');
    expect(canonicalRef('please')).toBeNull();
  });
});
