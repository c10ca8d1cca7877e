/**
 * A local fake of the Slack Web API on 127.0.0.1 for `new App({ clientOptions: { slackApiUrl: fake.url } })`.
 * It answers like Slack for the methods the bot uses, records every call, can fail on demand (429 with
 * Retry-After, 500, `{ ok: false, error }`), and also receives `response_url` posts and file uploads.
 *
 * @slack/web-api 8 POSTs `application/x-www-form-urlencoded` by default and JSON-encodes non-primitive
 * arguments (blocks, metadata, view, files) as strings inside the form; they are parsed back here.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Body = Record<string, unknown>;

export interface FakeCall {
  /** Web API method (`chat.postMessage`), `respond` for response_url posts, `upload` for file bytes. */
  method: string;
  body: Body;
  /** Bearer token from the Authorization header or the `token` field. Non-enumerable: never printed. */
  readonly token?: string;
  /** HTTP status the fake answered with. */
  status: number;
  at: Date;
}

export interface RespondPost {
  id: string;
  body: Body;
  at: Date;
}

export type Failure = { status: 429; retryAfter?: number } | { status: 500 } | { error: string };

export type MethodHandler = (body: Body, call: FakeCall) => Body | Promise<Body>;

export interface StoredMessage {
  ts: string;
  channel: string;
  text?: string;
  blocks?: unknown;
  metadata?: unknown;
  thread_ts?: string;
  user: string;
  bot_id: string;
}

export interface FakeSlack {
  /** Base for `clientOptions.slackApiUrl`, ending with '/api/'. */
  url: string;
  /** Server origin, e.g. `http://127.0.0.1:54321`. */
  origin: string;
  /** Recorded calls, oldest first, optionally for one method. */
  calls(method?: string): FakeCall[];
  /** Waits until at least `count` calls of `method` were recorded (default 1) and returns them. */
  waitFor(method: string, count?: number, timeoutMs?: number): Promise<FakeCall[]>;
  /** A URL on the fake to use as a slash command's or action's `response_url`. */
  responseUrl(id?: string): string;
  /** What was posted to `responseUrl(id)` (all ids when omitted). */
  responses(id?: string): RespondPost[];
  /** The next `times` calls of `method` (or `respond`) fail as given. */
  failNext(method: string, failure: Failure, times?: number): void;
  /** Overrides the answer for one method (return the JSON body; `ok: true` is added when absent). */
  setHandler(method: string, handler: MethodHandler): void;
  /** Messages posted (and not deleted) per channel, oldest first. */
  messages(channel: string): StoredMessage[];
  /** Forgets calls, failures, handlers and messages. */
  reset(): void;
  close(): Promise<void>;
}

export const FAKE_TEAM_ID = 'T0001';
export const FAKE_BOT_ID = 'B0FAKEBOT';
export const FAKE_BOT_USER_ID = 'U0FAKEBOT';

// Fields web-api sends as JSON strings inside the form.
const JSON_FIELDS = new Set(['blocks', 'attachments', 'metadata', 'view', 'files', 'unfurls', 'user_auth_blocks']);

function parseForm(raw: string): Body {
  const body: Body = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    if (JSON_FIELDS.has(k) && /^\s*[[{]/.test(v)) {
      try {
        body[k] = JSON.parse(v);
        continue;
      } catch {
        // keep the raw string: a test may want to see what was sent
      }
    }
    body[k] = v;
  }
  return body;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function parseBody(req: IncomingMessage, raw: Buffer): Promise<Body> {
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return {};
  if (type.includes('application/json')) return JSON.parse(raw.toString('utf8')) as Body;
  if (type.includes('multipart/form-data')) {
    // Let undici parse multipart for us.
    const form = await new Request('http://fake.local/', {
      method: 'POST',
      headers: { 'content-type': type },
      body: new Uint8Array(raw),
    }).formData();
    const body: Body = {};
    for (const [k, v] of form) {
      if (typeof v === 'string') body[k] = v;
      else body[k] = { filename: v.name, size: v.size, bytes: Buffer.from(await v.arrayBuffer()) };
    }
    return body;
  }
  return parseForm(raw.toString('utf8'));
}

function send(res: ServerResponse, status: number, json: unknown, headers: Record<string, string> = {}): void {
  const payload = JSON.stringify(json);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  res.end(payload);
}

export async function startFakeSlack(): Promise<FakeSlack> {
  let recorded: FakeCall[] = [];
  let respondPosts: RespondPost[] = [];
  let failures = new Map<string, Failure[]>();
  let handlers = new Map<string, MethodHandler>();
  let channels = new Map<string, StoredMessage[]>();
  let seq = 0;
  let idSeq = 0;
  const epoch = Math.floor(Date.now() / 1000);
  const waiters = new Set<() => void>();
  let origin = '';

  const nextTs = () => `${epoch}.${String(++seq).padStart(6, '0')}`;
  const nextId = (prefix: string) => `${prefix}${String(++idSeq).padStart(8, '0')}`;
  const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

  function record(method: string, body: Body, token: string | undefined, status: number): FakeCall {
    const call = { method, body, status, at: new Date() } as FakeCall;
    Object.defineProperty(call, 'token', { value: token, enumerable: false });
    recorded.push(call);
    for (const w of waiters) w();
    return call;
  }

  function takeFailure(method: string): Failure | undefined {
    const queue = failures.get(method);
    const f = queue?.shift();
    if (queue && queue.length === 0) failures.delete(method);
    return f;
  }

  function viewResult(body: Body, existingId?: string): Body {
    const view = (body.view ?? {}) as Body;
    const id = existingId ?? str(body.view_id) ?? nextId('V');
    return {
      ok: true,
      view: {
        id,
        team_id: FAKE_TEAM_ID,
        app_id: 'A0FAKEAPP',
        bot_id: FAKE_BOT_ID,
        private_metadata: '',
        callback_id: '',
        external_id: str(body.external_id) ?? '',
        state: { values: {} },
        hash: `${epoch}.${randomBytes(4).toString('hex')}`,
        root_view_id: id,
        previous_view_id: null,
        ...view,
      },
    };
  }

  function defaultAnswer(method: string, body: Body): Body {
    const channel = str(body.channel) ?? str(body.channel_id) ?? '';
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.com/',
          team: 'Fake Team',
          user: 'icp-bot',
          team_id: FAKE_TEAM_ID,
          user_id: FAKE_BOT_USER_ID,
          bot_id: FAKE_BOT_ID,
          is_enterprise_install: false,
        };
      case 'chat.postMessage': {
        const message: StoredMessage = {
          ts: nextTs(),
          channel,
          user: FAKE_BOT_USER_ID,
          bot_id: FAKE_BOT_ID,
          ...(body.text === undefined ? {} : { text: str(body.text) ?? '' }),
          ...(body.blocks === undefined ? {} : { blocks: body.blocks }),
          ...(body.metadata === undefined ? {} : { metadata: body.metadata }),
          ...(body.thread_ts === undefined ? {} : { thread_ts: str(body.thread_ts) ?? '' }),
        };
        const list = channels.get(channel) ?? [];
        list.push(message);
        channels.set(channel, list);
        const { channel: _c, ...rest } = message;
        return { ok: true, channel, ts: message.ts, message: { type: 'message', ...rest } };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: nextTs() };
      case 'chat.scheduleMessage':
        return { ok: true, channel, scheduled_message_id: nextId('Q'), post_at: Number(body.post_at) };
      case 'chat.update': {
        const ts = str(body.ts) ?? '';
        const msg = channels.get(channel)?.find((m) => m.ts === ts);
        if (!msg) return { ok: false, error: 'message_not_found' };
        if (body.text !== undefined) msg.text = str(body.text) ?? '';
        if (body.blocks !== undefined) msg.blocks = body.blocks;
        if (body.metadata !== undefined) msg.metadata = body.metadata;
        const { channel: _c, ...rest } = msg;
        return { ok: true, channel, ts, text: msg.text ?? '', message: { type: 'message', ...rest } };
      }
      case 'chat.delete': {
        const ts = str(body.ts) ?? '';
        const list = channels.get(channel) ?? [];
        const i = list.findIndex((m) => m.ts === ts);
        if (i === -1) return { ok: false, error: 'message_not_found' };
        list.splice(i, 1);
        return { ok: true, channel, ts };
      }
      case 'views.open':
      case 'views.push':
      case 'views.publish':
        return viewResult(body);
      case 'views.update':
        return viewResult(body, str(body.view_id));
      case 'conversations.info':
        return {
          ok: true,
          channel: {
            id: channel,
            name: `channel-${channel.toLowerCase()}`,
            is_channel: channel.startsWith('C'),
            is_group: channel.startsWith('G'),
            is_im: channel.startsWith('D'),
            is_private: !channel.startsWith('C'),
            is_member: true,
            is_archived: false,
          },
        };
      case 'conversations.history': {
        // Newest first, like Slack. Metadata only with include_all_metadata, like Slack.
        const withMeta = String(body.include_all_metadata) === 'true';
        const oldest = str(body.oldest);
        const latest = str(body.latest);
        const inclusive = String(body.inclusive) === 'true';
        const limit = Number(body.limit ?? 100) || 100;
        const all = [...(channels.get(channel) ?? [])]
          .filter((m) => !oldest || (inclusive ? m.ts >= oldest : m.ts > oldest))
          .filter((m) => !latest || (inclusive ? m.ts <= latest : m.ts < latest))
          .reverse();
        const messages = all.slice(0, limit).map(({ channel: _c, metadata, ...m }) => ({
          type: 'message',
          ...m,
          ...(withMeta && metadata !== undefined ? { metadata } : {}),
        }));
        return { ok: true, messages, has_more: all.length > limit, response_metadata: { next_cursor: '' } };
      }
      case 'users.info': {
        const user = str(body.user) ?? 'U0UNKNOWN';
        return {
          ok: true,
          user: {
            id: user,
            team_id: FAKE_TEAM_ID,
            name: `user-${user.toLowerCase()}`,
            real_name: `User ${user}`,
            tz: 'Europe/Berlin',
            tz_label: 'Central European Time',
            tz_offset: 3600,
            is_bot: false,
            is_admin: false,
            deleted: false,
            profile: { display_name: `user-${user.toLowerCase()}`, real_name: `User ${user}` },
          },
        };
      }
      case 'files.getUploadURLExternal': {
        const fileId = nextId('F');
        return { ok: true, upload_url: `${origin}/upload/${fileId}`, file_id: fileId };
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(body.files) ? (body.files as Body[]) : [];
        return {
          ok: true,
          files: files.map((f) => ({ id: f.id, title: f.title ?? '', name: f.title ?? '', channels: [channel] })),
        };
      }
      default:
        return { ok: true };
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://fake.local').pathname;
    const raw = await readBody(req);
    let body: Body;
    try {
      body = await parseBody(req, raw);
    } catch {
      send(res, 400, { ok: false, error: 'invalid_form_data' });
      return;
    }
    const auth = req.headers.authorization;
    const token = auth?.startsWith('Bearer ') ? auth.slice(7) : str(body.token);
    if ('token' in body) delete body.token;

    let method: string;
    let respondId: string | undefined;
    if (path.startsWith('/api/')) method = path.slice(5);
    else if (path.startsWith('/respond/')) {
      method = 'respond';
      respondId = decodeURIComponent(path.slice(9));
    } else if (path.startsWith('/upload/')) {
      method = 'upload';
      body = { file_id: path.slice(8), ...body };
    } else {
      record(path, body, token, 404);
      send(res, 404, { ok: false, error: 'unknown_path' });
      return;
    }

    const failure = takeFailure(method);
    if (failure) {
      if ('error' in failure) {
        record(method, body, token, 200);
        send(res, 200, { ok: false, error: failure.error });
      } else if (failure.status === 429) {
        record(method, body, token, 429);
        send(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': String(failure.retryAfter ?? 1) });
      } else {
        record(method, body, token, 500);
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('Internal Server Error');
      }
      return;
    }

    if (method === 'respond') {
      record(method, body, token, 200);
      respondPosts.push({ id: respondId ?? '', body, at: new Date() });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (method === 'upload') {
      record(method, body, token, 200);
      const file = body.body as { size?: number } | undefined;
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`OK - ${file?.size ?? raw.length}`);
      return;
    }

    const call = record(method, body, token, 200);
    const custom = handlers.get(method);
    const answer = custom ? { ok: true, ...(await custom(body, call)) } : defaultAnswer(method, body);
    send(res, 200, answer);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      send(res, 500, { ok: false, error: 'fake_slack_crashed', detail: String(err) });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;

  const calls = (method?: string) => (method ? recorded.filter((c) => c.method === method) : [...recorded]);

  return {
    url: `${origin}/api/`,
    origin,
    calls,
    waitFor(method, count = 1, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = calls(method);
          if (found.length >= count) {
            waiters.delete(check);
            clearTimeout(timer);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const seen = recorded.map((c) => c.method).join(', ') || 'none';
          reject(new Error(`fake Slack: expected ${count} ${method} call(s) within ${timeoutMs} ms; calls: ${seen}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    responseUrl(id = 'default') {
      return `${origin}/respond/${encodeURIComponent(id)}`;
    },
    responses(id) {
      return id === undefined ? [...respondPosts] : respondPosts.filter((r) => r.id === id);
    },
    failNext(method, failure, times = 1) {
      const queue = failures.get(method) ?? [];
      for (let i = 0; i < times; i++) queue.push(failure);
      failures.set(method, queue);
    },
    setHandler(method, handler) {
      handlers.set(method, handler);
    },
    messages(channel) {
      return [...(channels.get(channel) ?? [])];
    },
    reset() {
      recorded = [];
      respondPosts = [];
      failures = new Map();
      handlers = new Map();
      channels = new Map();
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
