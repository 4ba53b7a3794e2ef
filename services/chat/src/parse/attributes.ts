/** Priorities and tags, in the words and shorthands people use. */
import type { Priority } from './contract.ts';
import type { Scan } from './text.ts';

const LEVEL: Record<string, Priority> = {
  high: 'high',
  highest: 'high',
  hi: 'high',
  top: 'high',
  urgent: 'high',
  important: 'high',
  critical: 'high',
  medium: 'medium',
  med: 'medium',
  mid: 'medium',
  normal: 'medium',
  moderate: 'medium',
  low: 'low',
  lowest: 'low',
  lo: 'low',
  minor: 'low',
  no: 'none',
  none: 'none',
  zero: 'none',
};
/** p1 is the highest, as in Todoist and Jira; p4 means no priority. */
const P: Record<string, Priority> = { p1: 'high', p2: 'medium', p3: 'low', p4: 'none', p0: 'high' };

/**
 * Finds a priority and claims it: "high priority", "priority: low", "!high", "!!!", "p1", "urgent",
 * "asap", "not urgent". Returns null when none is said.
 */
export function findPriority(scan: Scan): Priority | null {
  const levels = Object.keys(LEVEL).join('|');
  let h;
  if (
    (h = scan.find(
      new RegExp(`\\b(?:with\\s+)?(?:a\\s+)?(${levels})[\\s-]+(?:prio(?:rity)?|pri|importance)\\b`),
    ))
  )
    return LEVEL[h.match[1]!]!;
  if (
    (h = scan.find(
      new RegExp(`\\b(?:prio(?:rity)?|pri)\\s*(?:is\\s+|to\\s+|of\\s+|=\\s*|:\\s*)?(${levels}|p[0-4])\\b`),
    ))
  ) {
    return LEVEL[h.match[1]!] ?? P[h.match[1]!]!;
  }
  if ((h = scan.find(/(?:^|\s)!(high|hi|urgent|medium|med|low|lo|none|[0-4])\b/))) {
    const w = h.match[1]!;
    return LEVEL[w] ?? P[`p${w}`]!;
  }
  if ((h = scan.find(/(?:^|\s)(!!!|!!)(?=\s|$)/))) return h.match[1] === '!!!' ? 'high' : 'medium';
  if ((h = scan.find(/\b(p[0-4])\b/))) return P[h.match[1]!]!;
  if (scan.find(/\b(?:not|non)[\s-](?:urgent|important)\b/)) return 'low';
  if (scan.find(/\b(?:urgent|urgently|asap|important|critical)\b/)) return 'high';
  return null;
}

/**
 * Finds #tags and claims them, lower-cased as core stores them. With `words`, also "tagged work",
 * "with tag work", "labelled work" (used where no title follows, so the words cannot be the title).
 */
export function findTags(scan: Scan, words = false): string[] {
  const tags: string[] = [];
  for (const h of scan.findAll(/(?:^|\s)#([\p{L}\p{N}_\-/.]+)/u))
    tags.push(h.match[1]!.replace(/[.\-/]+$/, ''));
  if (words) {
    for (const h of scan.findAll(
      /\b(?:tagged|labell?ed|with\s+(?:the\s+)?(?:tag|label))\s+(?:with\s+|as\s+)?([\p{L}\p{N}_\-/.]+)\b/u,
    )) {
      tags.push(h.match[1]!);
    }
  }
  return [...new Set(tags.filter((t) => t.length > 0 && t.length <= 50))];
}
