import { describe, expect, it } from 'vitest';
import { testApi } from '../testing.ts';

const api = await testApi({ previewPerMinute: 6 });

describe('recurrence preview', () => {
  it('previews an RFC 5545 rule in a zone without an account', async () => {
    const r = await api.call('POST', '/api/recurrence/preview', {
      body: {
        rrule: 'FREQ=DAILY;COUNT=10',
        dtstart: '1997-09-02T09:00:00',
        tz: 'America/New_York',
        count: 3,
      },
    });
    expect(r.status).toBe(200);
    expect(r.body.occurrences).toEqual([
      { local: '1997-09-02T09:00:00', utc: '1997-09-02T13:00:00Z' },
      { local: '1997-09-03T09:00:00', utc: '1997-09-03T13:00:00Z' },
      { local: '1997-09-04T09:00:00', utc: '1997-09-04T13:00:00Z' },
    ]);
    expect(r.body.text).toBe('every day at 09:00, 10 times');
  });

  it('defaults to 20 occurrences and evaluates MINUTELY rules (it is a calculator)', async () => {
    const r = await api.call('POST', '/api/recurrence/preview', {
      body: { rrule: 'FREQ=MINUTELY;INTERVAL=15', dtstart: '2026-11-24T09:00', tz: 'Europe/Berlin' },
    });
    expect(r.status).toBe(200);
    expect(r.body.occurrences).toHaveLength(20);
    expect(r.body.occurrences[1]).toEqual({ local: '2026-11-24T09:15:00', utc: '2026-11-24T08:15:00Z' });
  });

  it.each([
    [{ rrule: 'FREQ=DAILY', dtstart: '2026-11-24T09:00', count: 501 }, 'count'],
    [{ rrule: 'FREQ=DAILY', dtstart: 'tomorrow' }, 'dtstart'],
    [{ rrule: 'FREQ=DAILY', dtstart: '2026-11-24T09:00', tz: 'Moon/Base' }, 'tz'],
    [{ rrule: 'FREQ=DAILY;BYDAY=XX', dtstart: '2026-11-24T09:00' }, 'rrule'],
  ])('rejects %j naming %s', async (body, path) => {
    const r = await api.call('POST', '/api/recurrence/preview', { body });
    expect(r.status).toBe(400);
    expect(r.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('is rate-limited per client', async () => {
    const body = { rrule: 'FREQ=YEARLY', dtstart: '2026-01-01' };
    let last = 0;
    for (let i = 0; i < 8; i++) last = (await api.call('POST', '/api/recurrence/preview', { body })).status;
    expect(last).toBe(429);
  });
});
