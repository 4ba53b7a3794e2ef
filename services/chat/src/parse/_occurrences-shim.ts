// TEMPORARY development shim; deleted once core's recurrence engine lands.
import rrulePkg from 'rrule';
import { DateTime } from 'luxon';
const { RRule } = rrulePkg as unknown as { RRule: any };
export function occurrences(rule: { rrule: string; dtstart: string; tz?: string; exdate?: string[] }, opts: { after?: string; count?: number } = {}) {
  const timed = rule.dtstart.includes('T');
  const d = DateTime.fromISO(rule.dtstart, { zone: 'utc' });
  const opt = RRule.parseString(rule.rrule);
  opt.dtstart = d.toJSDate();
  const r = new RRule(opt);
  const out: { local: string; utc: string }[] = [];
  r.all((dt: Date, i: number) => {
    const l = DateTime.fromJSDate(dt, { zone: 'utc' });
    const local = timed ? l.toFormat("yyyy-MM-dd'T'HH:mm:ss") : l.toFormat('yyyy-MM-dd');
    if (!rule.exdate?.some((x) => local.startsWith(x))) out.push({ local, utc: '' });
    return i < (opts.count ?? 10) + 5 && out.length < (opts.count ?? 10);
  });
  return out;
}
