// Formatting shared by the server render and the browser (no server-only imports here).

export interface Due {
  date: string;
  time?: string;
  tz?: string;
}
export interface Reminder {
  id: string;
  offset?: string;
  at?: string;
  snoozedUntil?: string;
}
export interface TaskView {
  id: string;
  title: string;
  notes?: string;
  status: 'open' | 'done' | 'skipped';
  priority: 'none' | 'low' | 'medium' | 'high';
  tags: string[];
  due?: Due;
  reminders: Reminder[];
  recurrence?: { rrule: string; exdate?: string[]; mode: string; paused?: boolean };
  seriesId?: string;
  version: number;
  /** Added by the web server: the rule in words and the next dates. */
  rule?: { text: string; next: string[] };
}

export const PRIORITIES = ['none', 'low', 'medium', 'high'] as const;

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Mon 7 Dec 2026 08:00 Europe/Berlin": the same text on the server and in any browser locale. */
export function formatDue(due: Due | undefined): string {
  if (!due) return 'no date';
  const d = new Date(`${due.date}T12:00:00Z`);
  const day = `${WEEKDAYS[d.getUTCDay()]} ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
  return [day, due.time, due.tz].filter(Boolean).join(' ');
}

/** "2026-12-14T08:00" (local wall time) -> "Mon 14 Dec 2026 08:00". */
export function formatLocal(local: string): string {
  const [date, time] = local.split('T');
  return formatDue({ date: date!, ...(time ? { time: time.slice(0, 5) } : {}) });
}

export function formatInstant(iso: string | undefined, tz: string): string {
  if (!iso) return '';
  return new Date(iso).toLocaleString('en-GB', {
    timeZone: tz,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  });
}
