import { z } from 'zod';
import { Due, PRIORITIES, STATUSES } from './task.ts';

const counts = z.record(z.string(), z.number());

/** What GET /api/search answers: one contract for the search service and its callers (web, chat). */
export const SearchAnswer = z.object({
  hits: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      priority: z.enum(PRIORITIES),
      tags: z.array(z.string()),
      due: Due.optional(),
      status: z.enum(STATUSES),
      /** HTML: the text escaped, each matched word in <mark></mark>; present where words matched. */
      highlight: z.object({ title: z.string().optional(), notes: z.string().optional() }),
    }),
  ),
  /** How many tasks match, over every page. */
  total: z.number(),
  /** Counts over every match, by value. */
  facets: z.object({ priority: counts, tags: counts, status: counts }),
  tookMs: z.number(),
});
export type SearchAnswer = z.infer<typeof SearchAnswer>;
