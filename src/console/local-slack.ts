/**
 * The Slack the local console talks to: every Web API call and response_url post the bot makes is
 * answered here instead of the network and drawn on the terminal as text (messages, modals, App Home).
 */
import type { ConsoleIo } from './console.ts';
import { mrkdwnToText, type RenderedButton, type RenderedInput, renderBlocks } from './render.ts';

export const USER = 'U0LOCALUSER';
export const CHANNEL = 'C0LOCALCHAN';
export const RESPOND_BASE = 'http://console.invalid/respond/';

/** Where the buttons on screen live: a message, or a view (the Home tab or an open modal). */
export type Surface = { kind: 'message' } | { kind: 'view'; view: Record<string, unknown> };

export interface ConsoleState {
  buttons: RenderedButton[];
  surface: Surface;
  lastResponseUrl: string;
  pendingModal: { view: Record<string, unknown> } | null;
  /** A modal is on screen: a Home tab published now stays behind it (Slack shows it once closed). */
  modalOpen: boolean;
  seq: number;
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

/** Draws what the bot sends: `show` a message or view, `showModal` an open modal; both return its inputs. */
export interface Screen {
  show(title: string, payload: Record<string, unknown>, surface?: Surface): RenderedInput[];
  showModal(view: Record<string, unknown>): RenderedInput[];
}

export function createScreen(state: ConsoleState, io: ConsoleIo): Screen {
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

  /** An open modal's content, as the user would see it (inputs listed, not asked); returns its inputs. */
  function showModal(view: Record<string, unknown>): RenderedInput[] {
    state.modalOpen = true;
    const title = (view.title as { text?: string } | undefined)?.text ?? 'Modal';
    return show(`┌─ ${title} ─┐`, view, { kind: 'view', view });
  }

  return { show, showModal };
}

/** The fetch the console's Bolt app and response_url posts use: Slack's Web API, answered locally. */
export function createConsoleFetch(state: ConsoleState, io: ConsoleIo, screen: Screen, teamId: string): typeof fetch {
  const { show, showModal } = screen;
  // Every Web API call and response_url post goes through here instead of the network.
  return async (input, init) => {
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
}
