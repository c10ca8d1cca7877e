/**
 * Slack user ids and mentions, in one place. Pure: the ICP and persona specs, the listeners and the Block
 * Kit builders all use this pattern, so an owner accepted in a file is one a message can mention.
 */
import { escapeMrkdwn } from './mrkdwn.ts';

/**
 * A Slack user id: `U` (or `W` on Enterprise Grid) and at least two more upper-case letters or digits.
 * No upper bound and no fixed length: Slack has lengthened ids before (9 → 11 characters).
 */
export const SLACK_USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** A Slack conversation id: a public channel (C), a private one (G) or a DM (D). */
export const SLACK_CHANNEL_ID = /^[CGD][A-Z0-9]{2,}$/;

export const isSlackChannelId = (id: string): boolean => SLACK_CHANNEL_ID.test(id);

export const isSlackUserId = (id: string): boolean => SLACK_USER_ID.test(id);

/** `<@U…>` for a user id; anything else (a CLI user name, a typo in a file) is shown escaped, never parsed. */
export const mention = (id: string): string => (isSlackUserId(id) ? `<@${id}>` : escapeMrkdwn(id));
