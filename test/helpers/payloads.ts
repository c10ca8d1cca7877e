/**
 * Slack's own documented request bodies (/work/shared/slack/payloads, see SOURCES.md) with overrides.
 * Every loader returns a fresh deep copy.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = new URL('../../../shared/slack/payloads/', import.meta.url);

type Json = Record<string, unknown>;

function load<T = Json>(name: string): T {
  return JSON.parse(readFileSync(fileURLToPath(new URL(name, dir)), 'utf8')) as T;
}

/** Raw form-encoded slash command body exactly as Slack documents it (`/weather 94070`). */
export function slashCommandRaw(): string {
  return readFileSync(fileURLToPath(new URL('slash_command.form-urlencoded.txt', dir)), 'utf8').trim();
}

export interface SlashCommandFields {
  token: string;
  team_id: string;
  team_domain: string;
  enterprise_id: string;
  enterprise_name: string;
  channel_id: string;
  channel_name: string;
  user_id: string;
  user_name: string;
  command: string;
  text: string;
  response_url: string;
  trigger_id: string;
  api_app_id: string;
}

/** The documented slash command fields, decoded, with overrides (what Bolt exposes as `command`). */
export function slashCommandFields(overrides: Partial<SlashCommandFields> = {}): SlashCommandFields {
  const fields = Object.fromEntries(new URLSearchParams(slashCommandRaw())) as unknown as SlashCommandFields;
  return { ...fields, ...overrides };
}

type TeamArg = string | { id: string; domain?: string };
type UserArg = string | { id: string; username?: string; name?: string; team_id?: string };

const team = (t: TeamArg | undefined, base: Json): Json =>
  t === undefined ? base : typeof t === 'string' ? { ...base, id: t } : { ...base, ...t };
const user = (u: UserArg | undefined, base: Json, teamId: unknown): Json => {
  const merged = u === undefined ? base : typeof u === 'string' ? { ...base, id: u } : { ...base, ...u };
  return { ...merged, team_id: (u as { team_id?: string } | undefined)?.team_id ?? teamId ?? merged.team_id };
};

export interface BlockActionsOverrides {
  /** 'message' (default) or 'home': which documented example to start from. */
  source?: 'message' | 'home';
  team?: TeamArg;
  user?: UserArg;
  actions?: Json[];
  response_url?: string;
  message?: Json;
  container?: Json;
  channel?: Json;
  view?: Json;
  trigger_id?: string;
  api_app_id?: string;
}

/** A `block_actions` payload (button in a message, or in the Home tab with `source: 'home'`). */
export function blockActionsPayload(o: BlockActionsOverrides = {}): Json {
  const base = load(o.source === 'home' ? 'block_actions.home_tab.json' : 'block_actions.message.json');
  const t = team(o.team, base.team as Json);
  const out: Json = { ...base, team: t, user: user(o.user, base.user as Json, t.id) };
  for (const key of [
    'actions',
    'response_url',
    'message',
    'container',
    'channel',
    'view',
    'trigger_id',
    'api_app_id',
  ] as const) {
    if (o[key] !== undefined) out[key] = o[key];
  }
  return out;
}

/** One button click as it appears in `actions`, with Slack's action_ts. */
export function buttonAction(action_id: string, value?: string, block_id = 'actions_block'): Json {
  return {
    type: 'button',
    action_id,
    block_id,
    text: { type: 'plain_text', text: 'Button', emoji: true },
    ...(value === undefined ? {} : { value }),
    action_ts: '1548426417.840180',
  };
}

export interface ViewSubmissionOverrides {
  callback_id?: string;
  private_metadata?: string;
  /** `view.state.values`: `{ [block_id]: { [action_id]: { type, value | selected_option | … } } }` */
  values?: Record<string, Record<string, Json>>;
  user?: UserArg;
  team?: TeamArg;
  view?: Json;
  response_urls?: Json[];
  trigger_id?: string;
}

/**
 * A `view_submission` payload. Slack's doc example omits `api_app_id`, `token`, `trigger_id`,
 * `enterprise` and `is_enterprise_install`, which real payloads carry, so they are added here.
 */
export function viewSubmissionPayload(o: ViewSubmissionOverrides = {}): Json {
  const base = load('view_submission.json');
  const baseView = base.view as Json;
  const t = team(o.team, base.team as Json);
  const view: Json = {
    ...baseView,
    team_id: t.id,
    ...(o.callback_id === undefined ? {} : { callback_id: o.callback_id }),
    ...(o.private_metadata === undefined ? {} : { private_metadata: o.private_metadata }),
    ...(o.values === undefined ? {} : { state: { values: o.values } }),
    ...(o.response_urls === undefined ? {} : { response_urls: o.response_urls }),
    ...o.view,
  };
  return {
    ...base,
    team: t,
    user: user(o.user, base.user as Json, t.id),
    api_app_id: 'A123ABC456',
    token: 'Shh_its_a_seekrit',
    trigger_id: o.trigger_id ?? '12466734323.1395872398.ac3b0a9e4b8ad5cd2f2b0cb1b87a1a47',
    enterprise: null,
    is_enterprise_install: false,
    view,
  };
}

/** A `view_closed` payload (only sent when the modal had `notify_on_close: true`). */
export function viewClosedPayload(
  o: { callback_id?: string; private_metadata?: string; user?: UserArg; team?: TeamArg } = {},
): Json {
  const base = load('view_closed.json');
  const t = team(o.team, base.team as Json);
  return {
    ...base,
    team: t,
    user: user(o.user, base.user as Json, t.id),
    view: {
      ...(base.view as Json),
      callback_id: o.callback_id ?? '',
      private_metadata: o.private_metadata ?? '',
    },
  };
}

/** The source modal of the documented `view_submission` (`{ view }` unwrapped). */
export function viewSubmissionSourceView(): Json {
  return load<{ view: Json }>('view_submission.source_view.json').view;
}

/** An Events API `event_callback` envelope around `event`. */
export function eventEnvelope(event: Json, o: { team_id?: string; event_id?: string; event_time?: number } = {}): Json {
  const base = load('event_callback.envelope.json');
  const teamId = o.team_id ?? (base.team_id as string);
  const auths = (base.authorizations as Json[]).map((a) => ({ ...a, team_id: teamId }));
  return {
    ...base,
    team_id: teamId,
    context_team_id: teamId,
    authorizations: auths,
    event,
    event_id: o.event_id ?? base.event_id,
    event_time: o.event_time ?? base.event_time,
  };
}

/** An `app_home_opened` event_callback envelope. */
export function appHomeOpenedEnvelope(
  o: { team_id?: string; user?: string; event_id?: string; tab?: 'home' | 'messages'; view?: Json } = {},
): Json {
  const base = load('app_home_opened.event_callback.json');
  const event = base.event as Json;
  const teamId = o.team_id ?? (base.team_id as string);
  return eventEnvelope(
    {
      ...event,
      user: o.user ?? event.user,
      tab: o.tab ?? event.tab,
      view: { ...(event.view as Json), team_id: teamId, ...o.view },
    },
    { team_id: teamId, ...(o.event_id === undefined ? {} : { event_id: o.event_id }) },
  );
}

/** The Events API URL verification challenge body. */
export function urlVerificationBody(): Json {
  return load('url_verification.json');
}

/**
 * A shortcut payload: global (`type: 'shortcut'`) or on a message (`type: 'message_action'`, with the
 * message, channel and a response_url). /work/shared/slack/payloads has no sample; the fields are
 * those of Slack's "Shortcuts payloads" reference and bolt-js's MessageShortcut / GlobalShortcut types.
 */
export function shortcutPayload(o: {
  callback_id: string;
  team: string;
  user: string;
  trigger_id?: string;
  message?: Json;
  response_url?: string;
  channel?: Json;
}): Json {
  const base: Json = {
    type: o.message ? 'message_action' : 'shortcut',
    token: 'Shh_its_a_seekrit',
    action_ts: '1581106241.371594',
    team: { id: o.team, domain: 'example' },
    user: { id: o.user, username: 'jane', team_id: o.team },
    api_app_id: 'A123ABC456',
    is_enterprise_install: false,
    enterprise: null,
    callback_id: o.callback_id,
    trigger_id: o.trigger_id ?? '944799105734.773906753841.38b5894552bdd4a780554ee59d1f3638',
  };
  if (!o.message) return base;
  return {
    ...base,
    message_ts: o.message.ts ?? '1581106239.000200',
    message: { type: 'message', user: 'U0POSTER', ts: '1581106239.000200', ...o.message },
    channel: o.channel ?? { id: 'C0DEALS', name: 'deal-triage' },
    response_url: o.response_url,
  };
}
