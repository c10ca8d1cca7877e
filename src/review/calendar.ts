/**
 * The review calendar: when the ICP is due, in the workspace's local dates. The Home tab, `/icp-review`
 * and the reminders all read it from here, so they never disagree about the day.
 *
 * A due date is a LOCAL DATE (Intl.DateTimeFormat in the workspace's IANA timezone), never a UTC
 * instant plus 24-hour days: "every 180 days" is 180 local dates after the local date of the last
 * review, whatever DST does, and "due in N days" counts local dates, not 24-hour periods.
 */

const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall clock in `timeZone` at `at`: local date 'YYYY-MM-DD' and time 'HH:MM'. */
export function localClock(at: Date, timeZone: string): { date: string; time: string } {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(at)) parts[p.type] = p.value;
  const hour = parts.hour === '24' ? '00' : parts.hour;
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${hour}:${parts.minute}` };
}

/** Calendar arithmetic on 'YYYY-MM-DD' (no time zone: a local date plus n days). */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + n)).toISOString().slice(0, 10);
}

/** Whole days from `a` to `b` ('YYYY-MM-DD'). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

export interface ReviewDates {
  /** Local date the ICP is due for review. */
  dueDate: string;
  /** Local date of the first reminder: `remindDaysBefore` before the due date, never before the day after the cycle starts. */
  firstReminderDate: string;
  /** Local date at `now`. */
  today: string;
}

/**
 * The one due-date rule: the local date of the cycle start (last review, or when the ICP was first
 * applied) plus `cadenceDays` local dates.
 */
export function reviewDates(a: {
  cadenceDays: number;
  remindDaysBefore: number;
  cycleStart: Date;
  timezone: string;
  now: Date;
}): ReviewDates {
  const startDate = localClock(a.cycleStart, a.timezone).date;
  const dueDate = addDays(startDate, a.cadenceDays);
  const first = addDays(dueDate, -Math.max(0, a.remindDaysBefore));
  const earliest = addDays(startDate, 1);
  return {
    dueDate,
    firstReminderDate: daysBetween(earliest, first) < 0 ? earliest : first,
    today: localClock(a.now, a.timezone).date,
  };
}

export interface ReviewStatus {
  lastReviewedAt: Date | null;
  /**
   * The local due date in the workspace's timezone, as midnight UTC of that date: its ISO date
   * ('YYYY-MM-DD') is the local date the reminders use. Not an instant to compare clocks with.
   */
  dueAt: Date;
  /** Local dates from today to the due date; 0 on the due date, negative when overdue. */
  daysLeft: number;
  /** 'due_soon' exactly while the weekly due reminders run (from the first reminder date). */
  state: 'ok' | 'due_soon' | 'overdue';
}

/** The review status the Home tab, `/icp-review` and the reminder message show, in the workspace's timezone. */
export function reviewStatus(a: {
  cadenceDays: number;
  remindDaysBefore: number;
  lastReviewedAt: Date | null;
  firstAppliedAt: Date;
  timezone: string;
  now: Date;
}): ReviewStatus {
  const d = reviewDates({ ...a, cycleStart: a.lastReviewedAt ?? a.firstAppliedAt });
  const daysLeft = daysBetween(d.today, d.dueDate);
  const state = daysLeft < 0 ? 'overdue' : d.today >= d.firstReminderDate ? 'due_soon' : 'ok';
  return {
    lastReviewedAt: a.lastReviewedAt,
    dueAt: new Date(`${d.dueDate}T00:00:00Z`),
    daysLeft,
    state,
  };
}
