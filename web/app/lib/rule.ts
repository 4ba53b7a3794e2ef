/** The recurrence editor's simple fields, to and from an RRULE; anything richer stays as typed text. */
export const FREQS = ['DAILY', 'WEEKLY', 'MONTHLY', 'YEARLY'] as const;
export const WEEKDAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'] as const;

export interface SimpleRule {
  freq: string;
  interval: number;
  byday: string[];
}

export function splitRule(rrule: string | undefined): { simple: SimpleRule | null; raw: string } {
  if (!rrule) return { simple: null, raw: '' };
  const parts: Record<string, string | undefined> = Object.fromEntries(
    rrule
      .replace(/^RRULE:/i, '')
      .split(';')
      .map((p) => p.split('=') as [string, string]),
  );
  const keys = Object.keys(parts);
  const plainDays =
    !parts.BYDAY || /^(?:MO|TU|WE|TH|FR|SA|SU)(?:,(?:MO|TU|WE|TH|FR|SA|SU))*$/.test(parts.BYDAY);
  if (
    keys.every((k) => ['FREQ', 'INTERVAL', 'BYDAY'].includes(k)) &&
    FREQS.includes(parts.FREQ as (typeof FREQS)[number]) &&
    plainDays
  ) {
    return {
      simple: {
        freq: parts.FREQ!,
        interval: Number(parts.INTERVAL ?? 1),
        byday: parts.BYDAY ? parts.BYDAY.split(',') : [],
      },
      raw: '',
    };
  }
  return { simple: null, raw: rrule };
}

export function joinRule(freq: string, interval: number, byday: string[]): string {
  if (!FREQS.includes(freq as (typeof FREQS)[number])) return '';
  return [
    `FREQ=${freq}`,
    interval > 1 ? `INTERVAL=${interval}` : '',
    byday.length ? `BYDAY=${byday.join(',')}` : '',
  ]
    .filter(Boolean)
    .join(';');
}
