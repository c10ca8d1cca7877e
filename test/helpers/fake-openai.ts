/**
 * A local fake of the OpenAI HTTP API for the real `openai` SDK:
 * `new OpenAI({ apiKey: 'test', baseURL: fake.url, maxRetries: 0 })`. The SDK POSTs JSON to
 * `${baseURL}/chat/completions`; `chat.completions.parse` reads `choices[].message.content` and
 * JSON-parses it for `response_format: { type: 'json_schema' }` (zodResponseFormat also runs the zod schema).
 * Note the SDK retries 408/409/429/5xx twice by default with backoff: pass `maxRetries: 0` in tests
 * that expect a failure, or answer with header `x-should-retry: false`.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeOpenAIRequest {
  method: string;
  /** Path below the base URL, e.g. `/chat/completions`. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
  at: Date;
}

export interface FakeOpenAIReply {
  status?: number;
  json?: unknown;
  /** Raw body instead of `json` (for a response that is not JSON at all). */
  text?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (for client timeouts). */
  delayMs?: number;
}

export type FakeOpenAIHandler = (req: FakeOpenAIRequest) => FakeOpenAIReply | Promise<FakeOpenAIReply>;

export interface FakeOpenAI {
  /** baseURL for the SDK, e.g. `http://127.0.0.1:5555/v1`. */
  url: string;
  requests(): FakeOpenAIRequest[];
  /** Replace the handler (e.g. per test). */
  setHandler(handler: FakeOpenAIHandler): void;
  reset(): void;
  close(): Promise<void>;
}

let completionSeq = 0;

/** A `chat.completion` object whose single choice carries `content` (objects are JSON-encoded). */
export function chatCompletion(
  content: unknown,
  options: { model?: string; finishReason?: 'stop' | 'length' | 'content_filter'; refusal?: string | null } = {},
): Record<string, unknown> {
  const text = typeof content === 'string' ? content : JSON.stringify(content);
  return {
    id: `chatcmpl-fake${++completionSeq}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: options.model ?? 'gpt-4o-mini-2024-07-18',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: options.refusal ? null : text, refusal: options.refusal ?? null },
        logprobs: null,
        finish_reason: options.finishReason ?? 'stop',
      },
    ],
    usage: {
      prompt_tokens: 50,
      completion_tokens: Math.ceil(text.length / 4),
      total_tokens: 50 + Math.ceil(text.length / 4),
    },
    system_fingerprint: 'fp_fake',
  };
}

/** A normal completion whose message content is `value` as JSON. */
export const jsonReply = (value: unknown): FakeOpenAIReply => ({ json: chatCompletion(value) });

/** A completion whose content is not valid JSON (truncated object). */
export const malformedReply = (content = '{"score": 8'): FakeOpenAIReply => ({ json: chatCompletion(content) });

/** A completion cut off at max_tokens (`parse` throws LengthFinishReasonError). */
export const lengthReply = (): FakeOpenAIReply => ({ json: chatCompletion('{"a":', { finishReason: 'length' }) });

/** A refusal (`message.parsed` is null, `message.refusal` set). */
export const refusalReply = (refusal = "I can't help with that."): FakeOpenAIReply => ({
  json: chatCompletion(null, { refusal }),
});

/** `reply` after `ms` milliseconds. */
export const slowReply = (ms: number, reply: FakeOpenAIReply = jsonReply({})): FakeOpenAIReply => ({
  ...reply,
  delayMs: ms,
});

/** An HTTP error with OpenAI's error body; `retry: false` adds `x-should-retry: false`. */
export function errorReply(status = 500, options: { message?: string; retry?: boolean } = {}): FakeOpenAIReply {
  return {
    status,
    json: {
      error: { message: options.message ?? 'The server had an error', type: 'server_error', param: null, code: null },
    },
    ...(options.retry === false ? { headers: { 'x-should-retry': 'false' } } : {}),
  };
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw === '') return {};
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return { _raw: raw };
  }
}

export async function startFakeOpenAI(handler: FakeOpenAIHandler = () => jsonReply({})): Promise<FakeOpenAI> {
  let current = handler;
  let recorded: FakeOpenAIRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();

  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = new URL(req.url ?? '/', 'http://fake.local').pathname.replace(/^\/v1/, '');
      const request: FakeOpenAIRequest = {
        method: req.method ?? 'GET',
        path,
        headers: { ...req.headers },
        body: await readJson(req),
        at: new Date(),
      };
      recorded.push(request);
      let reply: FakeOpenAIReply;
      try {
        reply = await current(request);
      } catch (err) {
        reply = errorReply(500, { message: `fake handler threw: ${String(err)}`, retry: false });
      }
      if (reply.delayMs) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, reply.delayMs);
          timers.add(timer);
        });
      }
      // The client may have given up (timeout) meanwhile.
      if (res.destroyed || res.writableEnded) return;
      const body = reply.text ?? JSON.stringify(reply.json ?? {});
      res.writeHead(reply.status ?? 200, {
        'content-type': reply.text === undefined ? 'application/json' : 'text/plain',
        'x-request-id': `req_fake_${recorded.length}`,
        ...reply.headers,
      });
      res.end(body);
    })().catch(() => {
      if (!res.writableEnded) res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests: () => [...recorded],
    setHandler(h) {
      current = h;
    },
    reset() {
      recorded = [];
      current = handler;
    },
    close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
