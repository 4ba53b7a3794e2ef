/**
 * The corpus: utterances with the interpretation a person would expect, under a fixed clock and zone
 * (services/chat/corpus/*.jsonl, format in corpus/README.md). Every case must pass; the pass rate is
 * printed so a failing run shows how far off it is.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatQuery, parseQuery } from '@todo/core';
import { ParseResult } from './contract.ts';
import { parse } from './index.ts';

interface Case {
  file: string;
  line: number;
  text: string;
  now: string;
  tz: string;
  expect: Record<string, unknown>;
  /** Result fields that may appear without being checked. Any other field not in `expect` fails. */
  extra?: string[];
}

const dir = join(import.meta.dirname, '../../corpus');

function load(): Case[] {
  const cases: Case[] = [];
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.jsonl'))
    .sort()) {
    let defaults: { now?: string; tz?: string } = {};
    readFileSync(join(dir, file), 'utf8')
      .split('\n')
      .forEach((src, i) => {
        if (!src.trim()) return;
        const row = JSON.parse(src) as Partial<Case> & { defaults?: typeof defaults };
        if (row.defaults) defaults = row.defaults;
        if (row.text === undefined) return;
        const now = row.now ?? defaults.now;
        const tz = row.tz ?? defaults.tz;
        if (!now || !tz || !row.expect)
          throw new Error(`${file}:${i + 1}: a case needs text, now, tz and expect`);
        cases.push({ ...row, file, line: i + 1, text: row.text, now, tz, expect: row.expect });
      });
  }
  return cases;
}

/** The result as the case is checked: fields the case allows without naming them are dropped. */
export function comparable(
  result: Record<string, unknown>,
  c: Pick<Case, 'expect' | 'extra'>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result)) {
    if (k in c.expect || !c.extra?.includes(k)) out[k] = v;
  }
  return out;
}

const cases = load();
let passed = 0;

describe('comparing a result with an expectation', () => {
  it('checks every field, and ignores only the extra fields a case allows', () => {
    const result = { intent: 'add', title: 'x', occurrences: ['2026-12-01'] };
    expect(comparable(result, { expect: { intent: 'add', title: 'x' } })).toEqual(result);
    expect(comparable(result, { expect: { intent: 'add', title: 'x' }, extra: ['occurrences'] })).toEqual({
      intent: 'add',
      title: 'x',
    });
  });
});

describe('corpus', () => {
  it('is big enough and covers every intent', () => {
    expect(cases.length).toBeGreaterThanOrEqual(250);
    const intents = new Set(cases.map((c) => c.expect.intent));
    for (const i of ParseResult.shape.intent.options) expect(intents, `no case for ${i}`).toContain(i);
    // Every expectation is itself a valid result: a typo in the corpus must not pass silently.
    for (const c of cases) expect(ParseResult.safeParse(c.expect).success, `${c.file}:${c.line}`).toBe(true);
  });

  it.each(cases.map((c) => [`${c.file}:${c.line} ${JSON.stringify(c.text)} (${c.now} ${c.tz})`, c] as const))(
    '%s',
    (_name, c) => {
      const result = parse(c.text, { now: c.now, tz: c.tz });
      expect(comparable(result, c)).toEqual(c.expect);
      // The query shown is the product's canonical text for what was understood.
      if (result.query !== undefined) expect(formatQuery(parseQuery(result.query))).toBe(result.query);
      passed++;
    },
  );

  afterAll(() => {
    const rate = ((100 * passed) / cases.length).toFixed(1);
    process.stdout.write(`\nchat parser corpus: ${passed}/${cases.length} passed (${rate}%)\n`);
  });
});
