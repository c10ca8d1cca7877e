/**
 * Mentions of Slack users, on the one id pattern (src/ids.ts, re-exported here for the Slack layer).
 */
import { isSlackUserId } from '../ids.ts';
import { escapeMrkdwn } from './mrkdwn.ts';

export { isSlackChannelId, isSlackUserId, SLACK_CHANNEL_ID, SLACK_USER_ID } from '../ids.ts';

/** `<@U…>` for a user id; anything else (a CLI user name, a typo in a file) is shown escaped, never parsed. */
export const mention = (id: string): string => (isSlackUserId(id) ? `<@${id}>` : escapeMrkdwn(id));
