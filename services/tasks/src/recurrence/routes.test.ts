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

describe('recurrence preview of the rules rrule 2.8.1 got wrong (issue 18)', async () => {
  const own = await testApi({ previewPerMinute: 60 });
  const preview = (body: object) => own.call('POST', '/api/recurrence/preview', { body });

  it('BYDAY mixing plain and ordinal days: every Monday and the last Friday', async () => {
    const r = await preview({
      rrule: 'FREQ=MONTHLY;BYDAY=MO,-1FR;COUNT=6',
      dtstart: '2026-01-05T09:00',
      tz: 'Europe/Berlin',
      count: 10,
    });
    expect(r.status).toBe(200);
    expect(r.body.occurrences.map((o: { local: string }) => o.local.slice(0, 10))).toEqual([
      '2026-01-05',
      '2026-01-12',
      '2026-01-19',
      '2026-01-26',
      '2026-01-30',
      '2026-02-02',
    ]);
    expect(r.body.text).toBe('every month on every Monday and the last Friday at 09:00, 6 times');
  });

  it('BYWEEKNO=53 falls in ISO week 53 only, which may end in January', async () => {
    const r = await preview({
      rrule: 'FREQ=YEARLY;BYWEEKNO=53;BYDAY=SU;COUNT=4',
      dtstart: '2037-01-01T09:00',
      tz: 'UTC',
    });
    expect(r.body.occurrences.map((o: { utc: string }) => o.utc)).toEqual([
      '2037-01-01T09:00:00Z',
      '2038-01-03T09:00:00Z',
      '2044-01-03T09:00:00Z',
      '2049-01-03T09:00:00Z',
    ]);
  });

  it('refuses with a 400 a rule the engine would end too early, rather than answer only DTSTART', async () => {
    const r = await preview({
      rrule: 'FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=29;BYDAY=MO;BYHOUR=9',
      dtstart: '2016-02-29T09:00',
    });
    expect(r.status).toBe(400);
    expect(r.body.error.details[0]).toMatchObject({
      path: 'rrule',
      issue: expect.stringContaining('40 years apart, too far for FREQ=HOURLY'),
    });
  });

  it('refuses a rule RFC 5545 rules out with a 400 that says why', async () => {
    const r = await preview({ rrule: 'FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO', dtstart: '2026-01-05T09:00' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'rrule', issue: 'BYDAY ordinals such as 1MO can not be used with BYWEEKNO' }],
    });
  });
});
