import { getVtimezoneComponent } from '@touch4it/ical-timezones';
import { dueInstant, type Due, type Priority, type Task } from '@todo/core';
import ical, { ICalAlarmRelatesTo, ICalAlarmType, type ICalEvent } from 'ical-generator';
import { DateTime, Duration } from 'luxon';

const PRODUCT = { company: 'todo-chatbot', product: 'tasks', language: 'EN' };
const UID_DOMAIN = 'todo-chatbot';
/** RFC 5545 PRIORITY: 1 is the highest, 9 the lowest, 0 undefined. */
const PRIORITY: Record<Priority, number> = { none: 0, low: 9, medium: 5, high: 1 };

export interface FeedInput {
  /** The owner's zone: floating dues (no `tz`) are read in it. */
  zone: string;
  /** The owner's open tasks that have a due. */
  tasks: Task[];
  /** The instance that drives each of the owner's series (the newest), whatever its status. */
  heads: Task[];
  now: Date;
}

/**
 * The owner's tasks as an iCalendar (RFC 5545) feed. Each series is one VEVENT that starts at its newest
 * instance's due and carries the rule (RRULE, EXDATE), so a calendar app shows every future occurrence;
 * every other open task with a due is a single VEVENT. A due with a time is a local time in its zone
 * (TZID, with the zone's VTIMEZONE); a due with only a date is an all-day event. Each reminder is a VALARM.
 */
export function calendarFeed({ zone, tasks, heads, now }: FeedInput): string {
  const cal = ical({
    name: 'Tasks',
    prodId: PRODUCT,
    // Each zone an event names gets its VTIMEZONE from this generator.
    timezone: { name: null, generator: getVtimezoneComponent },
    ttl: 3600,
  });
  const series = new Set<string>();
  for (const head of heads) {
    const rec = head.recurrence;
    // A paused series makes no occurrences, and one that repeats after completion has no dates before
    // the completion: both show only the instance that exists.
    if (!head.due || !rec || rec.paused || rec.mode !== 'schedule' || !head.seriesId) continue;
    series.add(head.id);
    const event = addEvent(cal, head, head.due, zone, now, `series-${head.seriesId}@${UID_DOMAIN}`, true);
    const lines = [`RRULE:${ruleFor(rec.rrule, head.due, zone)}`];
    if (rec.exdate?.length) lines.push(exdates(rec.exdate, head.due, zone));
    event.repeating(lines.join('\n'));
  }
  for (const task of tasks) {
    if (!task.due || series.has(task.id)) continue;
    addEvent(cal, task, task.due, zone, now, `${task.id}@${UID_DOMAIN}`, false);
  }
  return cal.toString();
}

function addEvent(
  cal: ReturnType<typeof ical>,
  task: Task,
  due: Due,
  ownerZone: string,
  now: Date,
  uid: string,
  repeats: boolean,
): ICalEvent {
  const zone = due.tz ?? ownerZone;
  const allDay = !due.time;
  const start = allDay
    ? DateTime.fromISO(due.date, { zone: 'utc' })
    : DateTime.fromISO(`${due.date}T${due.time}`, { zone });
  const event = cal.createEvent({
    id: uid,
    start,
    ...(allDay ? { allDay: true, end: start.plus({ days: 1 }) } : { timezone: zone }),
    summary: task.title,
    ...(task.notes ? { description: task.notes } : {}),
    ...(PRIORITY[task.priority] ? { priority: PRIORITY[task.priority] } : {}),
    categories: task.tags.map((name) => ({ name })),
    stamp: DateTime.fromJSDate(now, { zone: 'utc' }),
    lastModified: DateTime.fromISO(task.updatedAt, { zone: 'utc' }),
  });
  // The app reads a date-only due as the end of that day, so its reminders count back from the all-day
  // event's end; a timed due's count from its start.
  const relatesTo = allDay ? ICalAlarmRelatesTo.end : ICalAlarmRelatesTo.start;
  const anchor = allDay ? DateTime.fromISO(due.date, { zone }).plus({ days: 1 }) : dueInstant(due, ownerZone);
  for (const r of task.reminders) {
    // A reminder at an instant belongs to one instance, not to every occurrence of a series.
    if (!('offset' in r) && repeats) continue;
    const before =
      'offset' in r
        ? -Duration.fromISO(r.offset).as('seconds')
        : anchor.diff(DateTime.fromISO(r.at)).as('seconds');
    // (ical-generator 11 drops `relatesTo` given to createAlarm, hence the call.)
    event
      .createAlarm({ type: ICalAlarmType.display, trigger: Math.round(before), description: task.title })
      .relatesTo(relatesTo);
  }
  return event;
}

/**
 * The rule as RFC 5545 wants it beside this DTSTART: UNTIL is a DATE for an all-day series and a UTC
 * date-time for a timed one (the engine also takes a local UNTIL, read in the series' zone).
 */
function ruleFor(rrule: string, due: Due, ownerZone: string): string {
  const zone = due.tz ?? ownerZone;
  return rrule
    .split(';')
    .map((part) => {
      const [name, value = ''] = part.split('=');
      if (name?.toUpperCase() !== 'UNTIL') return part;
      const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(value);
      if (!m) return part;
      const [, y, mo, d, h, mi, s, z] = m;
      if (!due.time) return `UNTIL=${y}${mo}${d}`;
      const local = h
        ? DateTime.fromObject(
            { year: +y!, month: +mo!, day: +d!, hour: +h, minute: +mi!, second: +s! },
            { zone: z ? 'utc' : zone },
          )
        : DateTime.fromObject({ year: +y!, month: +mo!, day: +d! }, { zone }).endOf('day');
      return `UNTIL=${local.toUTC().toFormat("yyyyLLdd'T'HHmmss'Z'")}`;
    })
    .join(';');
}

/** EXDATE in the form of the series' DTSTART: dates for an all-day series, local times in its zone otherwise. */
function exdates(list: string[], due: Due, ownerZone: string): string {
  const compact = (s: string) => s.replace(/[-:]/g, '');
  if (!due.time) return `EXDATE;VALUE=DATE:${list.map((x) => compact(x.slice(0, 10))).join(',')}`;
  const times = list.map((x) => compact(x.length === 16 ? `${x}:00` : x));
  return `EXDATE;TZID=${due.tz ?? ownerZone}:${times.join(',')}`;
}
