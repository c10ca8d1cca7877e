import { describe, expect, it } from 'vitest';
import { addDays, daysBetween, localClock, reviewStatus } from '../../src/review/calendar.ts';
import { planReminders, reminderSchedule } from '../../src/review/plan.ts';

const at = (iso: string) => new Date(iso);
const day = (d: Date) => d.toISOString().slice(0, 10);
const ZONES = ['UTC', 'Europe/Stockholm', 'Pacific/Auckland', 'America/Los_Angeles', 'Asia/Kolkata'];

function both(timezone: string, cycleStart: Date, now: Date) {
  const status = reviewStatus({
    cadenceDays: 180,
    remindDaysBefore: 14,
    lastReviewedAt: cycleStart,
    firstAppliedAt: at('2020-01-01T00:00:00Z'),
    timezone,
    now,
  });
  const input = {
    now,
    settings: { timeOfDay: '00:00', timezone, snoozedUntil: null },
    cadenceDays: 180,
    remindDaysBefore: 14,
    cycleStart,
  };
  return { status, schedule: reminderSchedule(input), keys: planReminders(input).map((p) => p.occurrenceKey) };
}

describe('the review calendar (one due-date rule for Home, /icp-review and reminders)', () => {
  it('dates the due day from the local date of the review, as the reminders do', () => {
    // 23:30 UTC on 2025-11-18 is already 2025-11-19 in Stockholm: due 180 local dates later.
    const { status, schedule } = both('Europe/Stockholm', at('2025-11-18T23:30:00Z'), at('2026-05-01T12:00:00Z'));
    expect(day(status.dueAt)).toBe('2026-05-18');
    expect(schedule.dueDate).toBe('2026-05-18');
    expect(day(both('UTC', at('2025-11-18T23:30:00Z'), at('2026-05-01T12:00:00Z')).status.dueAt)).toBe('2026-05-17');
  });

  it('counts days left in local dates, turning over at local midnight', () => {
    const start = at('2026-01-01T10:00:00Z'); // due 2026-06-30
    const left = (iso: string) => both('UTC', start, at(iso)).status;
    expect(left('2026-06-29T12:00:00Z')).toMatchObject({ daysLeft: 1, state: 'due_soon' });
    expect(left('2026-06-29T23:59:59Z').daysLeft).toBe(1);
    expect(left('2026-06-30T00:00:00Z')).toMatchObject({ daysLeft: 0, state: 'due_soon' });
    expect(left('2026-06-30T23:59:59Z').daysLeft).toBe(0);
    expect(left('2026-07-01T00:00:00Z')).toMatchObject({ daysLeft: -1, state: 'overdue' });
    // In Stockholm (UTC+2 in summer) the same instants are already later local dates.
    const sthlm = (iso: string) => both('Europe/Stockholm', start, at(iso)).status.daysLeft;
    expect(sthlm('2026-06-29T21:59:59Z')).toBe(1);
    expect(sthlm('2026-06-29T22:00:00Z')).toBe(0);
    expect(sthlm('2026-06-30T22:00:00Z')).toBe(-1);
  });

  it('agrees with the reminders every three hours around the due date, in every timezone', () => {
    for (const tz of ZONES) {
      for (const hour of [0, 11, 23]) {
        const start = at(`2026-01-01T${String(hour).padStart(2, '0')}:30:00Z`);
        for (let t = Date.parse('2026-06-10T00:00:00Z'); t < Date.parse('2026-07-10T00:00:00Z'); t += 3 * 3_600_000) {
          const now = new Date(t);
          const { status, schedule, keys } = both(tz, start, now);
          const today = localClock(now, tz).date;
          expect(day(status.dueAt), `${tz} ${now.toISOString()}`).toBe(schedule.dueDate);
          expect(status.daysLeft).toBe(daysBetween(today, schedule.dueDate!));
          expect(status.state === 'due_soon' || status.state === 'overdue').toBe(schedule.inDueWindow);
          if (keys.length > 0) expect(keys[0]).toMatch(new RegExp(`^due:${schedule.dueDate}:`));
          if (today === addDays(schedule.dueDate!, -14)) expect(keys).toEqual([`due:${schedule.dueDate}:0`]);
        }
      }
    }
  });
});
