/**
 * Local console: the real Bolt app with every real listener, fed by typed commands instead of Slack.
 * Web API calls and response_url posts are intercepted (an injected fetch) and rendered as text, so
 * what you see here is exactly what the bot would send to Slack. The local Slack is local-slack.ts, the
 * terminal loop terminal.ts, typed modal answers modal-input.ts.
 */
import type { App } from '@slack/bolt';
import type { Deps } from '../deps.ts';
import { createSlackApp, InProcessReceiver } from '../slack/create-app.ts';
import { CHANNEL, type ConsoleState, createConsoleFetch, createScreen, RESPOND_BASE, USER } from './local-slack.ts';
import { hintFor, inputValue } from './modal-input.ts';

export interface ConsoleIo {
  write(text: string): void;
  /** Asks one question (modal inputs); resolves with the answer, or null at end of input. */
  ask?(question: string): Promise<string | null>;
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

  const screen = createScreen(state, io);
  const { show, showModal } = screen;
  const consoleFetch = createConsoleFetch(state, io, screen, teamId);

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
