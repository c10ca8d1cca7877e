/** Action, callback and input ids of the review surfaces, shared by builders, parsers and listeners. */
export const ReviewActionIds = {
  markReviewed: 'icp_mark_reviewed_action',
  snooze: 'icp_snooze_action',
  details: 'icp_review_details_action',
  /** App Home: the drift report in a modal. */
  homeReport: 'icp_home_report_action',
  /** App Home (owners): the reminder settings modal. */
  homeSettings: 'icp_home_settings_action',
  /** "Suggest changes" (reminder, App Home), "Recompute", "Show it anyway": value `win` | `churn`, `:all` to show a dismissed one. */
  suggest: 'icp_suggest_action',
  /** "Review & apply" on a suggestion: value `<proposal id>:<ICP version it was computed against>`. */
  suggestReview: 'icp_suggest_review_action',
  /** "Dismiss" on a suggestion: same value. */
  suggestDismiss: 'icp_suggest_dismiss_action',
} as const;

export const ReviewCallbackIds = {
  markReviewed: 'icp_mark_reviewed_modal',
  settings: 'icp_review_settings_modal',
  suggestion: 'icp_suggestion_modal',
  suggestApply: 'icp_suggest_apply_modal',
  suggestDismiss: 'icp_suggest_dismiss_modal',
} as const;

/** Block and action ids of the modal inputs, shared by builders and parsers. */
export const ReviewInputIds = {
  note: { block: 'review_note_block', action: 'review_note_input' },
  changed: { block: 'review_changed_block', action: 'review_changed_input' },
  channel: { block: 'settings_channel_block', action: 'settings_channel_input' },
  time: { block: 'settings_time_block', action: 'settings_time_input' },
  timezone: { block: 'settings_timezone_block', action: 'settings_timezone_input' },
  applyNote: { block: 'suggest_note_block', action: 'suggest_note_input' },
  dismissReason: { block: 'suggest_dismiss_block', action: 'suggest_dismiss_input' },
} as const;

export type ReminderKind = 'due' | 'drift' | 'manual';

export const day = (d: Date | string) => (typeof d === 'string' ? d.slice(0, 10) : d.toISOString().slice(0, 10));
