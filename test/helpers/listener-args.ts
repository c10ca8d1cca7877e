/**
 * Handler tests without HTTP: the bot's listeners captured from registerCommands on a recording
 * stand-in for Bolt's App, and `build…Args` factories (after bolt-js's createDummy…MiddlewareArgs) that
 * give each call fresh fakes: an ack and a respond that record, and a Web API client whose methods
 * record their calls and fail on demand.
 */
import type { App } from '@slack/bolt';
import { registerCommands } from '../../commands/index.ts';
import type { Deps } from '../../src/deps.ts';
import {
  blockActionsPayload,
  buttonAction,
  shortcutPayload,
  slashCommandFields,
  viewSubmissionPayload,
} from './payloads.ts';

export type Kind = 'command' | 'action' | 'view' | 'shortcut' | 'event';
type Listener = (args: never) => Promise<void>;

export interface Registered {
  kind: Kind;
  constraint: string | RegExp;
  fn: Listener;
}

/** Every listener registerCommands adds, in order, with its constraint. */
export function captureListeners(deps: Deps): Registered[] {
  const out: Registered[] = [];
  const on =
    (kind: Kind) =>
    (constraint: string | RegExp, ...fns: Listener[]) => {
      if (fns.length !== 1 || !fns[0]) throw new Error(`${kind} ${String(constraint)}: one listener expected`);
      out.push({ kind, constraint, fn: fns[0] });
    };
  const app = {
    command: on('command'),
    action: on('action'),
    view: on('view'),
    shortcut: on('shortcut'),
    event: on('event'),
  };
  registerCommands(app as unknown as App, deps);
  return out;
}

/** The listener registered for `kind` and a name (a RegExp constraint matches as Bolt would). */
export function listenerFor(listeners: Registered[], kind: Kind, name: string): Listener {
  const found = listeners.find(
    (l) => l.kind === kind && (typeof l.constraint === 'string' ? l.constraint === name : l.constraint.test(name)),
  );
  if (!found) throw new Error(`no ${kind} listener for ${name}`);
  return found.fn;
}

/** A name a constraint matches: itself, or for `^prefix_\d+$` the prefix with `_1`. */
export function sampleName(constraint: string | RegExp): string {
  return typeof constraint === 'string' ? constraint : constraint.source.replace(/^\^/, '').replace(/\\d\+\$$/, '1');
}

export interface Call {
  method: string;
  args: Record<string, unknown>;
}

/** A Web API error as @slack/web-api throws it for `{ ok: false, error }`. */
export function platformError(error: string): Error {
  return Object.assign(new Error(`An API error occurred: ${error}`), {
    code: 'slack_webapi_platform_error',
    data: { ok: false, error },
  });
}

export interface FakeIo {
  acks: unknown[];
  responds: Record<string, unknown>[];
  calls: Call[];
  /** Makes every call of `method` (e.g. 'views.open') reject with `err`. */
  failing: Map<string, Error>;
  ack: (response?: unknown) => Promise<void>;
  respond: (msg: Record<string, unknown>) => Promise<void>;
  client: unknown;
  logger: Deps['logger'];
}

/** Fresh fakes for one call: ack, respond and a client that answers every method with `{ ok: true }`. */
export function fakeIo(logger: Deps['logger']): FakeIo {
  const io = {
    acks: [] as unknown[],
    responds: [] as Record<string, unknown>[],
    calls: [] as Call[],
    failing: new Map<string, Error>(),
  };
  const method =
    (name: string) =>
    async (args: Record<string, unknown> = {}) => {
      io.calls.push({ method: name, args });
      const err = io.failing.get(name);
      if (err) throw err;
      return { ok: true, ...(name.startsWith('views.') ? { view: { id: 'V_FAKE' } } : {}) };
    };
  const client = new Proxy(
    {},
    { get: (_t, family: string) => new Proxy({}, { get: (_u, m: string) => method(`${family}.${m}`) }) },
  );
  return {
    ...io,
    ack: async (response?: unknown) => void io.acks.push(response),
    respond: async (msg) => {
      const err = io.failing.get('respond');
      if (err) throw err;
      io.responds.push(msg);
    },
    client,
    logger,
  };
}

type Json = Record<string, unknown>;

function common(io: FakeIo, body: Json) {
  return {
    body,
    ack: io.ack,
    respond: io.respond,
    client: io.client,
    logger: io.logger,
    context: {},
    next: async () => undefined,
    say: async () => undefined,
  };
}

export function buildCommandArgs(
  io: FakeIo,
  o: { command?: string; text?: string; team?: string; user?: string } = {},
) {
  const command = slashCommandFields({
    command: o.command ?? '/icp-check',
    text: o.text ?? '',
    team_id: o.team ?? 'T0001',
    user_id: o.user ?? 'U2147483697',
  });
  return { ...common(io, command as unknown as Json), command, payload: command };
}

export function buildActionArgs(
  io: FakeIo,
  o: {
    actionId: string;
    value?: string;
    source?: 'message' | 'home';
    team?: string;
    user?: string;
    trigger_id?: string;
  },
) {
  const action = buttonAction(o.actionId, o.value ?? '1');
  const body = blockActionsPayload({
    source: o.source ?? 'message',
    team: o.team ?? 'T0001',
    user: o.user ?? 'U2147483697',
    actions: [action],
    ...(o.trigger_id !== undefined ? { trigger_id: o.trigger_id } : {}),
  });
  return { ...common(io, body), action, payload: action };
}

export function buildViewArgs(
  io: FakeIo,
  o: { callbackId: string; values?: Record<string, Record<string, Json>>; privateMetadata?: string; blocks?: Json[] },
) {
  const body = viewSubmissionPayload({
    team: 'T0001',
    user: 'U2147483697',
    callback_id: o.callbackId,
    ...(o.values ? { values: o.values } : {}),
    ...(o.privateMetadata !== undefined ? { private_metadata: o.privateMetadata } : {}),
    ...(o.blocks ? { view: { blocks: o.blocks } } : {}),
  });
  return { ...common(io, body), view: body.view, payload: body.view };
}

export function buildShortcutArgs(io: FakeIo, o: { callbackId: string; message?: Json; responseUrl?: string }) {
  const body = shortcutPayload({
    callback_id: o.callbackId,
    team: 'T0001',
    user: 'U2147483697',
    ...(o.message ? { message: o.message, response_url: o.responseUrl ?? 'https://hooks.slack.invalid/r' } : {}),
  });
  return { ...common(io, body), shortcut: body, payload: body };
}
