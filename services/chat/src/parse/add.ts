/**
 * Building a task from a message: title, due, priority, tags, reminders and repeat rule. Used for "add"
 * and, for their payloads, by the commands that change an existing task.
 */
import type { ClarifyReason, Due, ParseResult, Reminder } from './contract.ts';
import { findPriority, findTags } from './attributes.ts';
import { findSpan, findWhen, isoDay, isoSpan, realDue, type LocalClock } from './dates.ts';
import { findRepeat, nextOccurrences, toRRule, type Repeat } from './recurrence.ts';
import { titleFrom, type Scan } from './text.ts';

type Clarify = { clarify: ClarifyReason };

/** The default time of a reminder asked for on a day without a time ("remind me to pay rent on the 1st"). */
export const DEFAULT_REMINDER_TIME = '09:00';

/**
 * Reminder phrases: "remind me 15 min before", "with a reminder an hour before", "and remind me the day
 * before", "remind me when it is due". Claims them. (`at` reminders are read by the caller, which knows
 * the due date a bare time belongs to.)
 */
export function findOffsets(scan: Scan): Reminder[] {
  const lead = String.raw`(?:(?:and\s+|,\s*)?(?:remind(?:\s+me)?|ping\s+me|alert\s+me|notify\s+me|nudge\s+me|(?:with\s+|set\s+|add\s+)?(?:a\s+)?reminder|reminders?)\s+)?`;
  const out: Reminder[] = [];
  for (;;) {
    const span = findSpan(
      scan,
      lead,
      String.raw`\s+(?:before|early|ahead|prior|in\s+advance)(?:\s+(?:it|that|the\s+due\s+time|its\s+due|it\s+is\s+due))?\b`,
    );
    if (span) {
      out.push({ offset: isoSpan(span, true) });
      continue;
    }
    if (scan.find(new RegExp(String.raw`${lead}(?:the|a)\s+day\s+before\b`))) {
      out.push({ offset: '-P1D' });
      continue;
    }
    if (
      scan.find(
        new RegExp(
          String.raw`${lead}(?:when\s+(?:it\s+is|its|it's)\s+due|at\s+the\s+due\s+time|on\s+time)\b`,
        ),
      )
    ) {
      out.push({ offset: 'PT0S' });
      continue;
    }
    return out;
  }
}

export interface TaskParts {
  title?: string;
  priority?: ParseResult['priority'];
  tags?: string[];
  due?: Due;
  recurrence?: ParseResult['recurrence'];
  reminders?: Reminder[];
  occurrences?: string[];
}

/**
 * Reads a due date or a repeat rule (with its first occurrence as the due, and the next three) from the
 * unclaimed words. `remind`: the user asked to be reminded, so a reminder at the due time is added and a
 * day without a time gets DEFAULT_REMINDER_TIME.
 */
export function findSchedule(scan: Scan, clock: LocalClock, remind: boolean): TaskParts | Clarify {
  const parts: TaskParts = {};
  const offsets = findOffsets(scan);
  const repeat = findRepeat(scan, clock);
  if (repeat && 'clarify' in repeat) return repeat;
  // A clock time said with "every evening" is in the evening ("at 9" is 21:00); "at 9pm" stays as said.
  const when = findWhen(scan, clock, { anchored: !!repeat, ...(repeat?.part && { part: repeat.part }) });
  if (when && 'clarify' in when) return when;
  // "at 8am and 8pm every day": a series has one time of day; reading one of them would drop the other.
  if (repeat && when?.saidTime && /\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b|\b\d{1,2}:\d{2}\b/.test(scan.view()))
    return { clarify: 'several-times' };

  let due = when?.due;
  if (repeat) {
    const said = when
      ? {
          date: when.dateSaid ? when.due.date : isoDay(clock.now),
          ...(when.saidTime && { time: when.saidTime }),
        }
      : undefined;
    const series = schedule(repeat, said, clock, remind);
    if ('clarify' in series) return series;
    Object.assign(parts, series);
    due = parts.due;
  } else if (due) {
    if (remind && !due.time) due = realDue(clock, due.date, DEFAULT_REMINDER_TIME);
    parts.due = due;
  }
  const reminders = [...offsets];
  if (remind && !offsets.length) {
    if (!due) return { clarify: 'missing-time' };
    reminders.push({ offset: 'PT0S' });
  }
  if (reminders.length) parts.reminders = reminders;
  return parts;
}

/** A repeat rule anchored at its start, as the core engine expands it. */
function schedule(r: Repeat, said: Due | undefined, clock: LocalClock, remind: boolean): TaskParts | Clarify {
  // An hourly series needs a time to count from: now, unless one was said.
  const time =
    said?.time ??
    r.time ??
    (remind ? DEFAULT_REMINDER_TIME : r.freq === 'HOURLY' ? clock.now.toFormat('HH:mm') : undefined);
  let startDay = r.start ?? said?.date ?? isoDay(clock.now);
  const rrule = toRRule(r);
  if (r.interval > 1 && rrule.includes(';BY')) {
    // "every other saturday" starts on the next Saturday: the INTERVAL grid is anchored at DTSTART, so a
    // start on another day of the week would put the first one a period too late.
    const once = toRRule({ ...r, interval: 1, until: undefined, count: undefined });
    const first = nextOccurrences(once, time ? `${startDay}T${time}` : startDay, clock, undefined, 1)[0];
    if (first) startDay = first.slice(0, 10);
  }
  const dtstart = time ? `${startDay}T${time}` : startDay;
  const recurrence: NonNullable<TaskParts['recurrence']> = { rrule, mode: r.mode };
  if (r.until) recurrence.until = r.until;
  if (r.exdate) recurrence.exdate = time ? r.exdate.map((d) => `${d}T${time}`) : r.exdate;

  if (r.mode === 'after-completion') {
    // The next dates depend on when each one is done; only the first is known.
    return { recurrence, due: time ? realDue(clock, startDay, time) : { date: startDay } };
  }
  const next = nextOccurrences(rrule, dtstart, clock, recurrence.exdate);
  if (!next.length) return { clarify: 'invalid-date' };
  const [date, at] = next[0]!.split('T') as [string, string | undefined];
  return { recurrence, occurrences: next, due: at ? { date, time: at } : { date } };
}

/** The whole of an "add": title and everything said about the task. */
export function buildAdd(scan: Scan, clock: LocalClock, remind: boolean): ParseResult {
  const quoted = scan.quoted()[0];
  const tags = findTags(scan);
  const priority = findPriority(scan);
  const sched = findSchedule(scan, clock, remind);
  if ('clarify' in sched) return { intent: 'clarify', reason: sched.clarify };
  // A quoted title stands alone ("\"notes for monday\" tomorrow"); quotes inside a title stay ("Read 'Dune'").
  const words = titleFrom(scan);
  const title = quoted && !words ? quoted.text : titleFrom(scan, true);
  if (!title) return { intent: 'clarify', reason: 'missing-title' };
  return {
    intent: 'add',
    title,
    ...(priority && { priority }),
    ...(tags.length && { tags }),
    ...sched,
  };
}
