import { occurrences } from '@todo/core';
import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { testApi } from '../testing.ts';

// The fixed clock is 2026-11-24 10:00 UTC; Berlin is UTC+1 until 2027-03-28, then UTC+2.
const api = await testApi();

/** Parses a feed with a real iCalendar parser, registering its VTIMEZONEs, and answers its events. */
function parse(text: string) {
  const cal = new ICAL.Component(ICAL.parse(text));
  for (const vtz of cal.getAllSubcomponents('vtimezone')) ICAL.TimezoneService.register(vtz);
  const events = cal.getAllSubcomponents('vevent').map((v) => new ICAL.Event(v));
  const byTitle = (title: string) => {
    const e = events.find((x) => x.summary === title);
    if (!e) throw new Error(`no event "${title}" in the feed`);
    return e;
  };
  return { cal, events, byTitle, titles: events.map((e) => e.summary).sort() };
}

/** The first `n` occurrences of an event as UTC instants, as a calendar app expands them. */
function expand(event: ICAL.Event, n: number): string[] {
  const it = event.iterator();
  const out: string[] = [];
  for (let t = it.next(); t && out.length < n; t = it.next()) {
    out.push(event.startDate.isDate ? t.toString() : t.toJSDate().toISOString().replace('.000', ''));
  }
  return out;
}

const alarms = (event: ICAL.Event) =>
  event.component.getAllSubcomponents('valarm').map((a) => {
    const trigger = a.getFirstProperty('trigger')!;
    return { trigger: String(trigger.getFirstValue()), related: trigger.getParameter('related') };
  });

async function feedOf(token: string) {
  const link = await api.call('GET', '/api/calendar/feed', { token });
  expect(link.status).toBe(200);
  const res = await fetch(link.body.url);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/calendar; charset=utf-8');
  return parse(await res.text());
}

describe('calendar feed', () => {
  it('answers one stable secret address per owner, and needs a session for it', async () => {
    const token = await api.signup();
    expect((await api.call('GET', '/api/calendar/feed')).status).toBe(401);
    const [a, b] = await Promise.all([
      api.call('GET', '/api/calendar/feed', { token }),
      api.call('GET', '/api/calendar/feed', { token }),
    ]);
    expect(a.body.url).toBe(b.body.url);
    expect(a.body.url).toBe(`${api.base}${a.body.path}`);
    expect(a.body.path).toMatch(/^\/api\/calendar\.ics\?key=[\w-]{32}$/);
    const other = await api.call('GET', '/api/calendar/feed', { token: await api.signup() });
    expect(other.body.url).not.toBe(a.body.url);
  });

  it("shows open tasks with a due: timed in their zone, floating in the owner's, all-day as dates", async () => {
    const token = await api.signup('Europe/Berlin');
    const add = async (body: unknown) => {
      const r = await api.call('POST', '/api/tasks', { token, body });
      expect(r.status).toBe(201);
      return r.body;
    };
    await add({
      title: 'Dentist',
      notes: 'bring the card',
      priority: 'high',
      tags: ['health'],
      due: { date: '2026-12-01', time: '09:00' },
      reminders: [{ offset: '-PT1H' }, { at: '2026-12-01T07:30:00Z' }],
    });
    await add({ title: 'Call New York', due: { date: '2026-11-30', time: '08:00', tz: 'America/New_York' } });
    await add({ title: 'Buy milk', due: { date: '2026-11-26' }, reminders: [{ offset: '-PT2H' }] });
    await add({ title: 'No date' });
    const done = await add({ title: 'Done already', due: { date: '2026-11-25' } });
    expect((await api.call('POST', `/api/tasks/${done.id}/complete`, { token })).status).toBe(200);
    await api.call('POST', '/api/tasks', {
      token: await api.signup(),
      body: { title: 'Not hers', due: { date: '2026-11-26' } },
    });

    const feed = await feedOf(token);
    expect(feed.titles).toEqual(['Buy milk', 'Call New York', 'Dentist']);

    const dentist = feed.byTitle('Dentist');
    expect(dentist.startDate.toJSDate().toISOString()).toBe('2026-12-01T08:00:00.000Z');
    expect(dentist.component.getFirstProperty('dtstart')?.getParameter('tzid')).toBe('Europe/Berlin');
    expect(dentist.description).toBe('bring the card');
    expect(dentist.component.getFirstPropertyValue('priority')).toBe(1);
    expect(dentist.component.getFirstProperty('categories')?.getValues()).toEqual(['health']);
    expect(dentist.isRecurring()).toBe(false);
    expect(alarms(dentist)).toEqual([
      { trigger: '-PT1H', related: 'START' },
      { trigger: '-PT30M', related: 'START' },
    ]);

    const ny = feed.byTitle('Call New York');
    expect(ny.component.getFirstProperty('dtstart')?.getParameter('tzid')).toBe('America/New_York');
    expect(ny.startDate.toJSDate().toISOString()).toBe('2026-11-30T13:00:00.000Z');

    const milk = feed.byTitle('Buy milk');
    expect(milk.startDate.isDate).toBe(true);
    expect(milk.startDate.toString()).toBe('2026-11-26');
    expect(milk.endDate.toString()).toBe('2026-11-27');
    // Due at the end of the day, as the app reads it: the reminder counts back from the event's end.
    expect(alarms(milk)).toEqual([{ trigger: '-PT2H', related: 'END' }]);
    expect(new Set(feed.events.map((e) => e.uid)).size).toBe(3);
  });

  it('gives a series one event with its rule and exceptions, expanding as the recurrence engine does', async () => {
    const token = await api.signup('Europe/Berlin');
    const rrule = 'FREQ=WEEKLY;INTERVAL=2;BYDAY=MO';
    const exdate = ['2026-12-14T08:00'];
    const series = await api.call('POST', '/api/tasks', {
      token,
      body: {
        title: 'Water the plants',
        tags: ['home'],
        due: { date: '2026-11-30', time: '08:00' },
        reminders: [{ offset: '-PT15M' }, { at: '2026-11-30T06:00:00Z' }],
        recurrence: { rrule, exdate },
      },
    });
    expect(series.status).toBe(201);
    const daily = await api.call('POST', '/api/tasks', {
      token,
      body: {
        title: 'Journal',
        due: { date: '2026-11-25' },
        recurrence: { rrule: 'FREQ=DAILY;UNTIL=20261201' },
      },
    });
    expect(daily.status).toBe(201);
    const paused = await api.call('POST', '/api/tasks', {
      token,
      body: {
        title: 'Paused',
        due: { date: '2026-11-27', time: '10:00' },
        recurrence: { rrule: 'FREQ=DAILY', paused: true },
      },
    });
    expect(paused.status).toBe(201);

    const feed = await feedOf(token);
    expect(feed.titles).toEqual(['Journal', 'Paused', 'Water the plants']);
    const plants = feed.byTitle('Water the plants');
    expect(plants.isRecurring()).toBe(true);
    expect(plants.component.getFirstPropertyValue('rrule')?.toString()).toBe(rrule);
    // Twelve occurrences run past the change to summer time (2027-03-28): 08:00 local stays 08:00 local.
    const expected = occurrences(
      { rrule, dtstart: '2026-11-30T08:00', tz: 'Europe/Berlin', exdate },
      { count: 12 },
    );
    expect(expand(plants, 12)).toEqual(expected.map((o) => o.utc));
    expect(expand(plants, 2)).toEqual(['2026-11-30T07:00:00Z', '2026-12-28T07:00:00Z']);
    expect(expected.at(-1)!.utc).toMatch(/T06:00:00Z$/);
    // The instant reminder belongs to the first instance only, so the series carries just the offset.
    expect(alarms(plants)).toEqual([{ trigger: '-PT15M', related: 'START' }]);

    const journal = feed.byTitle('Journal');
    expect(journal.startDate.isDate).toBe(true);
    expect(expand(journal, 20)).toEqual([
      '2026-11-25',
      '2026-11-26',
      '2026-11-27',
      '2026-11-28',
      '2026-11-29',
      '2026-11-30',
      '2026-12-01',
    ]);
    expect(feed.byTitle('Paused').isRecurring()).toBe(false);
  });

  it('rotates the address: the old one is refused, the new one works', async () => {
    const token = await api.signup();
    const old = (await api.call('GET', '/api/calendar/feed', { token })).body;
    const rotated = await api.call('POST', '/api/calendar/feed/rotate', { token });
    expect(rotated.status).toBe(200);
    expect(rotated.body.url).not.toBe(old.url);
    const refused = await api.call('GET', old.path);
    expect(refused.status).toBe(404);
    expect(refused.body.error.code).toBe('CALENDAR_NOT_FOUND');
    expect((await api.call('GET', rotated.body.path)).status).toBe(200);
    expect((await api.call('GET', '/api/calendar/feed', { token })).body.url).toBe(rotated.body.url);
    const bad = await api.call('GET', '/api/calendar.ics');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toEqual(['key']);
  });

  it('is in the OpenAPI document with its errors', async () => {
    const doc = (await api.call('GET', '/api/openapi.json')).body;
    const ics = doc.paths['/api/calendar.ics'].get;
    expect(Object.keys(ics.responses).sort()).toEqual(['200', '400', '404', '431']);
    expect(Object.keys(ics.responses['200'].content)).toEqual(['text/calendar']);
    expect(ics.security).toBeUndefined();
    expect(Object.keys(doc.paths['/api/calendar/feed/rotate'].post.responses).sort()).toEqual([
      '200',
      '401',
      '403',
      '431',
    ]);
  });
});
