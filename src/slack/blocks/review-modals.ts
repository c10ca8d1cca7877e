/** The review modals: mark reviewed, reminder settings, and the drift report opened from App Home. */
import { escapeMrkdwn, plain } from '../mrkdwn.ts';
import { context, LIMITS, modalText, option, placeholder, plainText, privateMetadata, section } from './kit.ts';
import { type ReminderKind, ReviewCallbackIds, ReviewInputIds } from './review-ids.ts';
import type { Message, ModalView } from './types.ts';

/** Where to update the reminder once reviewed: a channel message (chat.update) or an ephemeral one. */
export interface MarkReviewedMetadata {
  channel?: string;
  ts?: string;
  responseUrl?: string;
  kind?: ReminderKind;
}

export function markReviewedModal(meta: MarkReviewedMetadata, icpName: string): ModalView {
  return {
    type: 'modal',
    callback_id: ReviewCallbackIds.markReviewed,
    title: modalText('Mark ICP reviewed'),
    submit: modalText('Save review'),
    close: modalText('Cancel'),
    private_metadata: privateMetadata(meta),
    blocks: [
      section(`Record a review of *${escapeMrkdwn(icpName)}*. The current drift figures are stored with it.`),
      {
        type: 'input',
        block_id: ReviewInputIds.note.block,
        optional: true,
        label: plainText('Note', LIMITS.inputLabel),
        element: {
          type: 'plain_text_input',
          action_id: ReviewInputIds.note.action,
          multiline: true,
          max_length: 2000,
          placeholder: placeholder('What did you look at, what did you decide?'),
        },
      },
      {
        type: 'input',
        block_id: ReviewInputIds.changed.block,
        label: plainText('Did the ICP change?', LIMITS.inputLabel),
        element: {
          type: 'radio_buttons',
          action_id: ReviewInputIds.changed.action,
          initial_option: option('No', 'no'),
          options: [option('No', 'no'), option('Yes', 'yes')],
        },
      },
    ],
  };
}

type StateValues = Record<
  string,
  Record<
    string,
    {
      value?: string | null;
      selected_option?: { value: string } | null;
      selected_conversation?: string | null;
      selected_channel?: string | null;
      selected_time?: string | null;
    }
  >
>;

export function parseMarkReviewedSubmission(values: StateValues): { note: string | null; icpChanged: boolean } {
  const note = values[ReviewInputIds.note.block]?.[ReviewInputIds.note.action]?.value?.trim() ?? '';
  const changed = values[ReviewInputIds.changed.block]?.[ReviewInputIds.changed.action]?.selected_option?.value;
  return { note: note === '' ? null : note.slice(0, 2000), icpChanged: changed === 'yes' };
}

export interface SettingsValues {
  channelId: string | null;
  timeOfDay: string;
  timezone: string;
}

export function settingsModal(current: SettingsValues, zones: readonly string[]): ModalView {
  const zoneList = zones.includes(current.timezone) ? zones : [current.timezone, ...zones];
  const zone = (z: string) => option(z, z);
  return {
    type: 'modal',
    callback_id: ReviewCallbackIds.settings,
    title: modalText('ICP review settings'),
    submit: modalText('Save'),
    close: modalText('Cancel'),
    blocks: [
      {
        type: 'input',
        block_id: ReviewInputIds.channel.block,
        label: plainText('Post reminders in', LIMITS.inputLabel),
        element: {
          type: 'conversations_select',
          action_id: ReviewInputIds.channel.action,
          filter: { include: ['public', 'private'], exclude_bot_users: true },
          ...(current.channelId ? { initial_conversation: current.channelId } : {}),
          placeholder: placeholder('Choose a channel'),
        },
      },
      {
        type: 'input',
        block_id: ReviewInputIds.time.block,
        label: plainText('Time of day', LIMITS.inputLabel),
        element: {
          type: 'timepicker',
          action_id: ReviewInputIds.time.action,
          initial_time: current.timeOfDay,
        },
      },
      {
        type: 'input',
        block_id: ReviewInputIds.timezone.block,
        label: plainText('Timezone', LIMITS.inputLabel),
        element: {
          type: 'static_select',
          action_id: ReviewInputIds.timezone.action,
          initial_option: zone(current.timezone),
          options: zoneList.slice(0, LIMITS.selectOptions).map(zone),
        },
      },
      context('Invite the bot to a private channel before choosing it.'),
    ],
  };
}

export function parseSettingsSubmission(values: StateValues): {
  channelId: string | null;
  timeOfDay: string | null;
  timezone: string | null;
} {
  const ch = values[ReviewInputIds.channel.block]?.[ReviewInputIds.channel.action];
  return {
    channelId: ch?.selected_conversation ?? ch?.selected_channel ?? null,
    timeOfDay: values[ReviewInputIds.time.block]?.[ReviewInputIds.time.action]?.selected_time ?? null,
    timezone: values[ReviewInputIds.timezone.block]?.[ReviewInputIds.timezone.action]?.selected_option?.value ?? null,
  };
}

/** Slack allows 100 blocks in a modal. */
const MODAL_BLOCKS = 100;

/**
 * The drift report (a reminder-style message) in a modal opened from App Home: the same blocks,
 * without the buttons that act on a posted message. `null`: the holding view while it is computed.
 */
export function reportModal(report: Message | null): ModalView {
  const blocks = report
    ? report.blocks.filter((b) => b.type !== 'actions').slice(0, MODAL_BLOCKS)
    : [section(':hourglass_flowing_sand: Computing the drift report…')];
  return {
    type: 'modal',
    callback_id: 'icp_home_report_modal',
    title: plain('ICP drift report'),
    close: plain('Close'),
    blocks,
  };
}
