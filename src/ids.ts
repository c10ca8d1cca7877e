/**
 * Slack user and conversation id patterns, in one place and free of any Slack module: the ICP and
 * persona specs (domain code) validate owners with them, and src/slack/ids.ts builds mentions on them,
 * so an owner accepted in a file is one a message can mention.
 */

/**
 * A Slack user id: `U` (or `W` on Enterprise Grid) and at least two more upper-case letters or digits.
 * No upper bound and no fixed length: Slack has lengthened ids before (9 → 11 characters).
 */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** A Slack conversation id: a public channel (C), a private one (G) or a DM (D). */
export const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

export const isSlackChannelId = (id: string): boolean => SLACK_CHANNEL_ID.test(id);

export const isSlackUserId = (id: string): boolean => SLACK_USER_ID.test(id);
