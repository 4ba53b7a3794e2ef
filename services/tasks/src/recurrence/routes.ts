import { describeRule, localDate, localDateTime, occurrences, zoneName } from '@todo/core';
import { z } from 'zod';
import { endpoint, ErrorBody, rateLimit, type Endpoint } from '@todo/server';

const Preview = z.strictObject({
  rrule: z.string().min(1).max(1000),
  dtstart: z.union([localDateTime, localDate]),
  tz: zoneName.optional(),
  exdate: z.array(localDateTime).max(500).optional(),
  count: z.number().int().min(1).max(500).default(20),
});
const PreviewResult = z.object({
  occurrences: z.array(z.object({ local: z.string(), utc: z.string().nullable() })),
  text: z.string(),
});

/** A recurrence calculator: it touches no data, so it needs no account, but it is rate-limited per client. */
export function recurrenceEndpoints({ perMinute }: { perMinute: number }): Endpoint[] {
  const limit = rateLimit({
    max: perMinute,
    id: (ctx) => ctx.ip,
    message: `at most ${perMinute} previews a minute: wait a little`,
  });
  return [
    endpoint({
      method: 'post',
      path: '/api/recurrence/preview',
      summary: 'The occurrences of an RFC 5545 rule in a time zone, and the rule in words',
      tag: 'recurrence',
      auth: false,
      middleware: limit,
      body: Preview,
      responses: {
        200: { description: 'Occurrences', schema: PreviewResult },
        400: { description: 'Invalid rule', schema: ErrorBody },
        429: { description: 'Too many previews', schema: ErrorBody },
      },
      handler: (ctx, { body: { count, ...rule } }) => {
        ctx.body = { occurrences: occurrences(rule, { count }), text: describeRule(rule) };
      },
    }),
  ];
}
