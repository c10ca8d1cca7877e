/** Reading and changing a workspace's reminder settings: load, save (owners, validated), snooze. */
import type { Db } from '../../db/client.ts';
import { getReviewSettings, upsertReviewSettings } from '../../db/queries/review-settings.ts';
import { type ReviewSettings, SNOOZE_DAYS, settingsFromRow } from '../review/settings.ts';

const DAY = 86_400_000;

export async function loadReviewSettings(db: Db, teamId: string): Promise<ReviewSettings> {
  return settingsFromRow(await getReviewSettings(db, teamId));
}

export async function saveReviewSettings(
  db: Db,
  teamId: string,
  value: Omit<ReviewSettings, 'snoozedUntil'>,
  updatedBy: string,
): Promise<ReviewSettings> {
  return settingsFromRow(await upsertReviewSettings(db, teamId, { ...value, updatedBy }));
}

/** Snoozes reminders for `SNOOZE_DAYS` from `now`; returns the end of the snooze. */
export async function snoozeReminders(db: Db, teamId: string, userId: string, now: Date): Promise<Date> {
  const until = new Date(now.getTime() + SNOOZE_DAYS * DAY);
  await upsertReviewSettings(db, teamId, { snoozedUntil: until, updatedBy: userId });
  return until;
}
