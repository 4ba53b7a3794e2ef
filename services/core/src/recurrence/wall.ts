import type { IANAZone } from 'luxon';
import { ValidationError } from '../errors.ts';

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * A wall-clock time as milliseconds on a zone-less time line (the UTC fields are the wall time). rrule
 * computes on this line too, so no offset or DST ever enters its arithmetic.
 */
export type Wall = number;

/** Years rrule and JS dates handle without surprises (Date.UTC maps years 0 to 99 to 1900 to 1999). */
const MIN_YEAR = 1000;

/** The wall time of the given fields, or undefined when they name no such time (2025-02-30, 24:00). */
export function wallOf(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): Wall | undefined {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC rolls 2025-02-30 over into March: fields that do not come back named no real time.
  const t = new Date(wall);
  const same =
    t.getUTCFullYear() === y &&
    t.getUTCMonth() === mo - 1 &&
    t.getUTCDate() === d &&
    t.getUTCHours() === h &&
    t.getUTCMinutes() === mi &&
    t.getUTCSeconds() === s;
  return same && y >= MIN_YEAR ? wall : undefined;
}

/** Reads 'YYYY-MM-DD' (all-day) or 'YYYY-MM-DDTHH:mm[:ss]'; `path` names the field in the error. */
export function parseLocal(text: string, path: string): { wall: Wall; allDay: boolean } {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(text);
  const [y = 0, mo = 0, d = 0, h, mi, s] = m ? m.slice(1, 7).map((x) => Number(x ?? 0)) : [];
  const wall = m ? wallOf(y, mo, d, h, mi, s) : undefined;
  if (wall === undefined) {
    throw new ValidationError(`invalid ${path}`, [
      {
        path,
        issue: `expected a local date YYYY-MM-DD or date-time YYYY-MM-DDTHH:mm[:ss] from year ${MIN_YEAR}`,
      },
    ]);
  }
  return { wall, allDay: m![4] === undefined };
}

export function formatWall(wall: Wall, allDay: boolean): string {
  return new Date(wall).toISOString().slice(0, allDay ? 10 : 19);
}

export function formatInstant(t: number): string {
  return `${new Date(t).toISOString().slice(0, 19)}Z`;
}

/**
 * The instant a wall time stands for in `zone`, as RFC 5545 3.3.5 reads local times: one in a gap
 * (spring forward) takes the offset from before the gap, so it moves forward by the gap's length; an
 * ambiguous one (fall back) takes the earlier instant. luxon 3.7 gets the gap right, but for an
 * ambiguous time it keeps whichever offset the zone has *now*, so its answer changes with the season the
 * code runs in; hence we test the offsets on both sides ourselves.
 */
export function wallToInstant(wall: Wall, zone: IANAZone): number {
  const before = zone.offset(wall - DAY);
  const after = zone.offset(wall + DAY);
  const fits = [before, after]
    .map((o) => wall - o * MINUTE)
    .filter((t) => zone.offset(t) * MINUTE === wall - t);
  return fits.length ? Math.min(...fits) : wall - before * MINUTE;
}

export function instantToWall(t: number, zone: IANAZone): Wall {
  return t + zone.offset(t) * MINUTE;
}
