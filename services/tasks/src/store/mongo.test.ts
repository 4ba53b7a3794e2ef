import { parseQuery, toMongoFilter } from '@todo/core';
import { describe, expect, it } from 'vitest';
import { allOf } from './mongo.ts';

const ctx = { now: new Date('2026-11-24T10:00:00Z'), zone: 'Europe/Berlin' };
const scope = { owner: 'o', deleted: false };

describe('allOf', () => {
  it("puts the board query's equalities at the top level, where FerretDB pushes them down", () => {
    expect(allOf([scope, toMongoFilter(parseQuery('priority:high #t3'), ctx)])).toEqual({
      owner: 'o',
      deleted: false,
      priorityRank: 3,
      tags: 't3',
    });
  });

  it('keeps a clause whose field is already used under $and, so both conditions hold', () => {
    expect(allOf([scope, toMongoFilter(parseQuery('#a #b status:open'), ctx)])).toEqual({
      owner: 'o',
      deleted: false,
      tags: 'a',
      status: 'open',
      $and: [{ tags: 'b' }],
    });
  });

  it('flattens nested $and and merges at most one $or', () => {
    const or = (x: string) => ({ $or: [{ a: x }, { b: x }] });
    expect(allOf([{ $and: [{ $and: [{ x: 1 }, or('1')] }, or('2')] }, { y: 2 }])).toEqual({
      x: 1,
      $or: [{ a: '1' }, { b: '1' }],
      y: 2,
      $and: [{ $or: [{ a: '2' }, { b: '2' }] }],
    });
  });

  it('merges a clause that carries $and beside other fields with the $and left over', () => {
    expect(allOf([{ a: 1, $and: [{ b: 1 }] }, { a: 2 }])).toEqual({ a: 1, $and: [{ b: 1 }, { a: 2 }] });
    expect(allOf([])).toEqual({});
    expect(allOf([{}, scope])).toEqual(scope);
  });
});
