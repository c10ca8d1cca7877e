/**
 * Local console: the real Bolt app with every real listener, fed by typed commands instead of Slack.
 * Web API calls and response_url posts are intercepted (an injected fetch) and rendered as text, so
 * what you see here is exactly what the bot would send to Slack.
 */
import { createInterface } from 'node:readline';
import type { App } from '@slack/bolt';
import type { Deps } from '../deps.ts';
import { createSlackApp, InProcessReceiver } from '../slack/create-app.ts';
import { mrkdwnToText, type RenderedButton, type RenderedInput, renderBlocks } from './render.ts';

const USER = 'U0LOCALUSER';
const CHANNEL = 'C0LOCALCHAN';
const RESPOND_BASE = 'http://console.invalid/respond/';

/** Where the buttons on screen live: a message, or a view (the Home tab or an open modal). */
type Surface = { kind: 'message' } | { kind: 'view'; view: Record<string, unknown> };

interface ConsoleState {
  buttons: RenderedButton[];
  surface: Surface;
  lastResponseUrl: string;
  pendingModal: { view: Record<string, unknown> } | null;
  /** A modal is on screen: a Home tab published now stays behind it (Slack shows it once closed). */
  modalOpen: boolean;
  seq: number;
}

export interface ConsoleIo {
  write(text: string): void;
  /** Asks one question (modal inputs); resolves with the answer, or null at end of input. */
  ask?(question: string): Promise<string | null>;
}

function parseApiBody(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let params: URLSearchParams | null = null;
  if (body instanceof URLSearchParams) params = body;
  else if (typeof body === 'string') {
    try {
      return JSON.parse(body) as Record<string, unknown>;
    } catch {
      params = new URLSearchParams(body);
    }
  }
  if (!params) return out;
  for (const [k, v] of params) {
    try {
      out[k] = k === 'blocks' || k === 'view' || k === 'attachments' ? JSON.parse(v) : v;
    } catch {
      out[k] = v;
    }
  }
  return out;
}

export interface LocalConsole {
  /** Handles one typed line; resolves when every answer it caused has been printed. */
  handle(line: string): Promise<void>;
  close(): Promise<void>;
}

/** Registers the bot's listeners on an app (the composition root passes commands/ registerCommands). */
export type RegisterListeners = (app: App, deps: Deps) => void;

export async function createConsole(deps: Deps, io: ConsoleIo, register: RegisterListeners): Promise<LocalConsole> {
  const state: ConsoleState = {
    buttons: [],
    surface: { kind: 'message' },
    lastResponseUrl: `${RESPOND_BASE}0`,
    pendingModal: null,
    modalOpen: false,
    seq: 0,
  };
  const teamId = deps.config.defaultTeamId;

  const show = (title: string, payload: Record<string, unknown>, surface: Surface = { kind: 'message' }) => {
    const blocks = (payload.blocks as Record<string, unknown>[] | undefined) ?? [];
    const r = renderBlocks(blocks as never, 1);
    if (r.buttons.length > 0) {
      state.buttons = r.buttons;
      state.surface = surface;
    }
    const body = blocks.length > 0 ? r.text : mrkdwnToText(String(payload.text ?? ''));
    io.write(`\n${title}\n${body}\n`);
    if (r.buttons.length > 0) io.write('  (type `click N` to press a button)\n');
    return r.inputs;
  };

  // Every Web API call and response_url post goes through here instead of the network.
  const consoleFetch: typeof fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = parseApiBody(init?.body);
    const json = (o: unknown) =>
      new Response(JSON.stringify(o), { status: 200, headers: { 'content-type': 'application/json' } });
    if (url.startsWith(RESPOND_BASE)) {
      const visibility =
        body.response_type === 'in_channel' ? 'posted in #local (everyone sees it)' : 'only you see this';
      show(`── bot (${visibility}) ──`, body);
      return new Response('ok', { status: 200 });
    }
    const method = url.split('/').pop() ?? '';
    switch (method) {
      case 'chat.postMessage':
      case 'chat.postEphemeral':
        show(`── bot → ${String(body.channel ?? '')} ──`, body);
        return json({ ok: true, channel: body.channel, ts: `${Date.now() / 1000}`, message: body });
      case 'chat.update':
        show('── bot (updated message) ──', body);
        return json({ ok: true, channel: body.channel, ts: body.ts });
      case 'views.open':
      case 'views.push':
        state.pendingModal = { view: { ...(body.view as Record<string, unknown>), id: `V${++state.seq}` } };
        return json({ ok: true, view: state.pendingModal.view });
      case 'views.update': {
        const view = { ...(body.view as Record<string, unknown>), id: body.view_id };
        // A modal opened by this same action is shown once the action is done: show its latest content.
        if (state.pendingModal?.view.id === body.view_id) state.pendingModal = { view };
        else showModal(view);
        return json({ ok: true, view });
      }
      case 'views.publish': {
        const view = { ...(body.view as Record<string, unknown>), id: 'V_LOCAL_HOME' };
        // Behind an open modal the refreshed Home is not visible yet (`home` shows it).
        if (state.modalOpen) return json({ ok: true, view });
        show('── App Home ──', view, { kind: 'view', view });
        return json({ ok: true, view });
      }
      case 'auth.test':
        return json({ ok: true, user_id: 'U_LOCAL_BOT', bot_id: 'B_LOCAL', team_id: teamId });
      case 'files.getUploadURLExternal':
        return json({ ok: true, upload_url: `${RESPOND_BASE}upload`, file_id: `F${++state.seq}` });
      case 'files.completeUploadExternal':
        io.write('\n(chart uploaded to the channel)\n');
        return json({ ok: true, files: [] });
      default:
        return json({ ok: true });
    }
  };

  /** An open modal's content, as the user would see it (inputs listed, not asked); returns its inputs. */
  function showModal(view: Record<string, unknown>): RenderedInput[] {
    state.modalOpen = true;
    const title = (view.title as { text?: string } | undefined)?.text ?? 'Modal';
    return show(`┌─ ${title} ─┐`, view, { kind: 'view', view });
  }

  const receiver = new InProcessReceiver();
  const consoleDeps = { ...deps, fetch: consoleFetch };
  const slack = await createSlackApp(consoleDeps, { receiver, fetch: consoleFetch });
  register(slack.app, consoleDeps);

  const showAck = (acked: unknown) => {
    if (acked && typeof acked === 'object' && ('blocks' in acked || 'text' in acked)) {
      show('── bot (only you see this) ──', acked as Record<string, unknown>);
    }
  };

  async function fillModal(): Promise<void> {
    while (state.pendingModal) {
      const view = state.pendingModal.view;
      state.pendingModal = null;
      const inputs = showModal(view);
      // A modal that only shows something (a report) has nothing to fill in.
      if (inputs.length === 0) return;
      if (!io.ask) {
        io.write('(modal inputs need an interactive terminal)\n');
        return;
      }
      const values: Record<string, Record<string, unknown>> = {};
      for (const input of inputs) {
        const answer = await io.ask(
          `${input.label}${input.optional ? ' (optional, Enter to skip)' : ''}${hintFor(input)}: `,
        );
        if (answer === null) return;
        values[input.blockId] = { [input.actionId]: inputValue(input, answer.trim()) };
      }
      const submitted = { ...view, id: view.id ?? `V${++state.seq}`, team_id: teamId, state: { values } };
      const acked = await receiver.send({
        type: 'view_submission',
        team: { id: teamId },
        user: { id: USER, team_id: teamId },
        api_app_id: 'A_LOCAL',
        trigger_id: `console-trigger-${state.seq}`,
        view: submitted,
      });
      const a = acked as
        | { response_action?: string; errors?: Record<string, string>; view?: Record<string, unknown> }
        | undefined;
      if (a?.response_action === 'errors' && a.errors) {
        for (const [field, problem] of Object.entries(a.errors))
          io.write(`  ✗ ${field.replace(/_block$/, '')}: ${problem}\n`);
        state.pendingModal = { view };
      } else if (a?.response_action === 'update' && a.view) {
        // The modal stays open with new content; what was typed stays in its inputs.
        showModal({ ...a.view, id: submitted.id, state: submitted.state });
      }
    }
  }

  return {
    async handle(raw: string) {
      const line = raw.trim();
      // Typing a new line closes whatever modal was on screen (`click N` acts inside it).
      if (!/^click\s/i.test(line)) state.modalOpen = false;
      if (line === '') return;
      if (line === 'help') {
        io.write(consoleHelp());
        return;
      }
      if (line === 'home') {
        await receiver.send({
          type: 'event_callback',
          team_id: teamId,
          api_app_id: 'A_LOCAL',
          event: {
            type: 'app_home_opened',
            user: USER,
            channel: 'D_LOCAL',
            tab: 'home',
            event_ts: `${Date.now() / 1000}`,
          },
          event_id: `Ev${++state.seq}`,
          event_time: Math.floor(Date.now() / 1000),
        });
        return;
      }
      const click = /^click\s+(\d+)$/i.exec(line);
      if (click) {
        const button = state.buttons.find((b) => b.n === Number(click[1]));
        if (!button) {
          io.write(`No button ${click[1]} on the last message.\n`);
          return;
        }
        io.write(`(pressed “${button.label}”)\n`);
        const { surface } = state;
        const where =
          surface.kind === 'view'
            ? // A button in the Home tab or a modal: Slack sends the view and no response_url.
              { container: { type: 'view', view_id: surface.view.id }, view: surface.view }
            : {
                response_url: state.lastResponseUrl,
                channel: { id: CHANNEL, name: 'local' },
                container: { type: 'message', channel_id: CHANNEL, is_ephemeral: true },
              };
        await receiver.send({
          type: 'block_actions',
          team: { id: teamId, domain: 'local' },
          user: { id: USER, team_id: teamId },
          api_app_id: 'A_LOCAL',
          trigger_id: `console-trigger-${++state.seq}`,
          ...where,
          actions: [
            {
              type: 'button',
              action_id: button.actionId,
              block_id: button.blockId ?? 'b',
              value: button.value,
              text: { type: 'plain_text', text: button.label },
              action_ts: `${Date.now() / 1000}`,
            },
          ],
        });
        await fillModal();
        return;
      }
      const cmd = /^(\/[a-z0-9_-]+)\s*([\s\S]*)$/i.exec(line);
      if (!cmd) {
        io.write(
          'Type a slash command such as `/icp-check braxamere-software.example`, `click N`, `home`, `help` or `exit`.\n',
        );
        return;
      }
      state.lastResponseUrl = `${RESPOND_BASE}${++state.seq}`;
      // The ack is shown when it happens: a holding line comes before the answer that replaces it.
      const acked = await receiver.send(
        {
          token: 'local',
          team_id: teamId,
          team_domain: 'local',
          channel_id: CHANNEL,
          channel_name: 'local',
          user_id: USER,
          user_name: 'you',
          command: cmd[1]!.toLowerCase(),
          text: cmd[2] ?? '',
          api_app_id: 'A_LOCAL',
          response_url: state.lastResponseUrl,
          trigger_id: `console-trigger-${state.seq}`,
        },
        showAck,
      );
      if (acked === undefined) io.write(`(no handler answered ${cmd[1]}: is it a command this bot has?)\n`);
      await fillModal();
    },
    async close() {
      await slack.stop().catch(() => undefined);
    },
  };
}

/** How the console asks for a field whose answer is not free text. */
function hintFor(input: RenderedInput): string {
  const now = input.initial ? `, Enter keeps ${input.initial}` : '';
  if (input.kind === 'conversations_select' || input.kind === 'channels_select')
    return ` (#local or a channel id${now})`;
  if (input.kind === 'timepicker') return ` (HH:MM${now})`;
  if (input.kind === 'datepicker') return ` (YYYY-MM-DD${now})`;
  if (input.options.length > 0 && input.initial) return ` (Enter keeps ${input.initial})`;
  return '';
}

/**
 * The state value Slack would submit for a typed answer, shaped by the element's kind (a timepicker
 * submits `selected_time`, a conversations select `selected_conversation`, …). An empty answer keeps
 * the element's initial value, as leaving a field untouched does in Slack.
 */
function inputValue(input: RenderedInput, typed: string): Record<string, unknown> {
  const answer = typed === '' ? (input.initial ?? '') : typed;
  const type = input.kind;
  if (input.options.length > 0) {
    const chosen = input.options.find(
      (o) =>
        o.label.toLowerCase() === answer.toLowerCase() ||
        o.value === answer ||
        String(input.options.indexOf(o) + 1) === answer,
    );
    return {
      type,
      selected_option: chosen ? { value: chosen.value, text: { type: 'plain_text', text: chosen.label } } : null,
    };
  }
  const value = answer === '' ? null : answer;
  switch (type) {
    case 'conversations_select':
      return { type, selected_conversation: channelId(answer) };
    case 'channels_select':
      return { type, selected_channel: channelId(answer) };
    case 'users_select':
      return { type, selected_user: value };
    case 'timepicker':
      // '9:00' is what people type; Slack's picker always submits two-digit hours.
      return { type, selected_time: value && /^\d:\d\d$/.test(value) ? `0${value}` : value };
    case 'datepicker':
      return { type, selected_date: value };
    default:
      return { type, value };
  }
}

/** The console has one channel, #local; a typed channel id is taken as it is. */
function channelId(answer: string): string | null {
  if (/^#?local$/i.test(answer)) return CHANNEL;
  return /^[CGD][A-Z0-9]{2,}$/.test(answer) ? answer : null;
}

export function consoleHelp(): string {
  return [
    '',
    'Local console: the bot’s real handlers, rendered as text.',
    '  /icp-check braxamere-software.example  score a company (try `/icp-check help`)',
    '  /icp-check Draevex                  several demo accounts match: it asks which one',
    '  /icp-check Foo Ltd employees=120 country=DE industry=fintech',
    '  /icp-persona cfo                    persona cheat sheet (`/icp-persona for draevex-clinics.example`: buying committee)',
    '  /icp-review                         drift report now (`suggest`, `history`, `settings`, `help`)',
    '  click N                             press button N of the last message',
    '  home                                show the App Home tab',
    '  exit                                quit',
    '',
    'To connect a real Slack workspace: create an app from manifest.yml (api.slack.com/apps → From a manifest),',
    'install it, then start with SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET set (or SLACK_APP_TOKEN for Socket Mode).',
    '',
  ].join('\n');
}

/** Runs the console on stdin/stdout until `exit` or end of input; `intro` is printed after the help. */
export async function runConsole(deps: Deps, register: RegisterListeners, intro?: string): Promise<void> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  const lines: string[] = [];
  const waiters: ((l: string | null) => void)[] = [];
  let ended = false;
  rl.on('line', (l) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  });
  rl.on('close', () => {
    ended = true;
    for (const w of waiters.splice(0)) w(null);
  });
  const next = (prompt: string) => {
    if (process.stdin.isTTY) process.stdout.write(prompt);
    const l = lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    if (ended) return Promise.resolve(null);
    return new Promise<string | null>((r) => waiters.push(r));
  };
  const c = await createConsole(deps, { write: (t) => process.stdout.write(t), ask: next }, register);
  process.stdout.write(consoleHelp());
  if (intro) process.stdout.write(`${wrapText(intro, 110)}\n\n`);
  for (;;) {
    const line = await next('icp> ');
    if (line === null || /^(exit|quit)$/i.test(line.trim())) break;
    try {
      await c.handle(line);
    } catch (err) {
      deps.logger.error('console command failed', err);
    }
  }
  rl.close();
  await c.close();
}

/** Breaks a paragraph into lines of at most `width` characters at spaces (a longer word keeps its own line). */
export function wrapText(text: string, width: number): string {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines.join('\n');
}
