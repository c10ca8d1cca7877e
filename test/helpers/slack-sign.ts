/**
 * Signed HTTP requests as Slack sends them: `v0=` + hex HMAC-SHA256(signing secret, `v0:{ts}:{raw body}`)
 * (PLATFORM.md "Request signing"; bolt-js verify-request.spec.ts signs the same way).
 */
import { createHmac } from 'node:crypto';
import { type SlashCommandFields, slashCommandFields } from './payloads.ts';

export const FORM = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

export type SignedHeaders = Record<'x-slack-signature' | 'x-slack-request-timestamp' | 'content-type', string>;

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function slackSignature(secret: string, body: string, timestamp: number | string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

/** Headers for `body` signed with `secret`; content-type guessed from the body (JSON if it starts with `{`). */
export function signSlackRequest(
  secret: string,
  body: string,
  timestamp: number = nowSeconds(),
  contentType: string = body.trimStart().startsWith('{') ? JSON_TYPE : FORM,
): SignedHeaders {
  return {
    'x-slack-signature': slackSignature(secret, body, timestamp),
    'x-slack-request-timestamp': String(timestamp),
    'content-type': contentType,
  };
}

/** Form-encoded slash command body: Slack's documented example with overrides. */
export function slashCommandBody(overrides: Partial<SlashCommandFields> = {}): string {
  return new URLSearchParams(Object.entries(slashCommandFields(overrides))).toString();
}

/** Interactivity body: one form field `payload=<json>`. */
export function interactivityBody(payload: unknown): string {
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Events API body: raw JSON. */
export function eventBody(envelope: unknown): string {
  return JSON.stringify(envelope);
}

export interface PostOptions {
  secret: string;
  timestamp?: number;
  contentType?: string;
  /** Extra or replacing headers (e.g. a forged signature, `x-slack-retry-num`); `undefined` removes one. */
  headers?: Record<string, string | undefined>;
}

export interface PostResult {
  status: number;
  headers: Record<string, string>;
  text: string;
  /** Parsed body when it is JSON, else undefined. */
  json: unknown;
  /** Round-trip time in milliseconds. */
  ms: number;
}

/** Signs and POSTs `body` to `baseUrl + path` (default path `/slack/events`). */
export async function postToApp(
  baseUrl: string,
  path: string,
  body: string,
  options: PostOptions,
): Promise<PostResult> {
  const signed = signSlackRequest(options.secret, body, options.timestamp ?? nowSeconds(), options.contentType);
  const merged: Record<string, string | undefined> = { ...signed, ...options.headers };
  const headers = Object.fromEntries(Object.entries(merged).filter((e): e is [string, string] => e[1] !== undefined));
  const url = new URL(path || '/slack/events', baseUrl).toString();
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers, body });
  const text = await res.text();
  const ms = performance.now() - started;
  let json: unknown;
  try {
    json = text === '' ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: Object.fromEntries(res.headers.entries()), text, json, ms };
}
