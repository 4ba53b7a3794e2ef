import { describe, expect, it } from 'vitest';
import { easter, holidayAt, makeLocalClock } from './dates.ts';

describe('holidays a series is bounded by', () => {
  it('places Easter by the Gregorian computus, earliest and latest years included', () => {
    const known: [number, string][] = [
      [2024, '03-31'],
      [2025, '04-20'],
      [2026, '04-05'],
      [2027, '03-28'],
      [2038, '04-25'],
      [2285, '03-22'],
    ];
    for (const [year, date] of known) {
      const { month, day } = easter(year);
      expect(`${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`, String(year)).toBe(date);
    }
  });

  it('takes the next one to come, and next year’s for a bound said on the day', () => {
    const clock = makeLocalClock({ now: '2026-11-26T10:00', tz: 'America/New_York' });
    expect(holidayAt('thanksgiving', clock)?.date.toISODate()).toBe('2026-11-26');
    expect(holidayAt('thanksgiving', clock, true)?.date.toISODate()).toBe('2027-11-25');
    expect(holidayAt('new year_s eve party', clock)?.date.toISODate()).toBe('2026-12-31');
    expect(holidayAt('easter egg hunt', clock)?.date.toISODate()).toBe('2027-03-28');
    expect(holidayAt('christmas eve', clock)?.date.toISODate()).toBe('2026-12-24');
    expect(holidayAt('eastern europe', clock)).toBeNull();
  });
});
