/**
 * Review reminder settings: defaults, validation of time of day and IANA timezone (checked with
 * Intl, so any zone the runtime knows is accepted), the zone list the settings modal offers, and
 * the owner rule for changing them.
 */

import type { ReviewSettingsRow } from '../../db/queries/review-settings.ts';
import { isSlackChannelId } from '../ids.ts';

export const SNOOZE_DAYS = 7;

/** Common IANA zones for the settings modal (a static select holds at most 100 options). */
export const COMMON_TIMEZONES = [
  'UTC',
  'Europe/London',
  'Europe/Dublin',
  'Europe/Lisbon',
  'Europe/Paris',
  'Europe/Berlin',
  'Europe/Amsterdam',
  'Europe/Madrid',
  'Europe/Rome',
  'Europe/Stockholm',
  'Europe/Zurich',
  'Europe/Warsaw',
  'Europe/Helsinki',
  'Europe/Athens',
  'Europe/Istanbul',
  'Africa/Lagos',
  'Africa/Johannesburg',
  'Africa/Nairobi',
  'Asia/Dubai',
  'Asia/Kolkata',
  'Asia/Singapore',
  'Asia/Hong_Kong',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Asia/Seoul',
  'Australia/Perth',
  'Australia/Sydney',
  'Pacific/Auckland',
  'America/St_Johns',
  'America/Halifax',
  'America/New_York',
  'America/Toronto',
  'America/Chicago',
  'America/Mexico_City',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'Pacific/Honolulu',
  'America/Bogota',
  'America/Lima',
  'America/Santiago',
  'America/Sao_Paulo',
  'America/Argentina/Buenos_Aires',
] as const;

export interface ReviewSettings {
  channelId: string | null;
  timeOfDay: string;
  timezone: string;
  snoozedUntil: Date | null;
}

export const defaultReviewSettings: ReviewSettings = {
  channelId: null,
  timeOfDay: '09:00',
  timezone: 'UTC',
  snoozedUntil: null,
};

/** True for a zone name Intl knows ('Europe/Berlin', 'UTC'); false for anything else. */
export function isValidTimezone(tz: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const isValidTimeOfDay = (t: string) => /^([01]\d|2[0-3]):[0-5]\d$/.test(t);

/** A workspace's settings from its row, or the defaults when it has none. */
export const settingsFromRow = (row: ReviewSettingsRow | null): ReviewSettings =>
  row
    ? { channelId: row.channelId, timeOfDay: row.timeOfDay, timezone: row.timezone, snoozedUntil: row.snoozedUntil }
    : { ...defaultReviewSettings };

export type SettingsInput = { channelId: string | null; timeOfDay: string | null; timezone: string | null };

/** Field errors keyed by the modal's block ids' meaning, or the validated values. */
export function validateSettings(
  input: SettingsInput,
):
  | { ok: true; value: Omit<ReviewSettings, 'snoozedUntil'> }
  | { ok: false; errors: Partial<Record<'channel' | 'time' | 'timezone', string>> } {
  const errors: Partial<Record<'channel' | 'time' | 'timezone', string>> = {};
  if (!input.channelId || !isSlackChannelId(input.channelId)) errors.channel = 'Choose a channel.';
  if (!input.timeOfDay || !isValidTimeOfDay(input.timeOfDay)) errors.time = 'Choose a time such as 09:00.';
  if (!input.timezone || !isValidTimezone(input.timezone)) errors.timezone = 'Choose a timezone such as Europe/Berlin.';
  if (Object.keys(errors).length > 0) return { ok: false, errors };
  return { ok: true, value: { channelId: input.channelId, timeOfDay: input.timeOfDay!, timezone: input.timezone! } };
}

/** Only the owners listed in the ICP file may mark it reviewed, snooze, or change the settings. */
export const isOwner = (owners: readonly string[], userId: string) => owners.includes(userId);
