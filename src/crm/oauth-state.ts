/**
 * The OAuth `state` parameter of a CRM connection: which workspace, which user, which CRM, until when,
 * signed with HMAC-SHA256 under a key derived (HKDF) from CRM_ENCRYPTION_KEY, so the callback, which
 * has no Slack session, knows whom the code belongs to and that this bot issued the request.
 *
 * Single use, enough: a state lives 10 minutes, and what it carries back is only worth a code the CRM
 * issues once (an authorization code is refused the second time), so a replayed state connects nothing.
 * Pure: no database, no network.
 */
import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError, ErrorCode } from '../errors.ts';
import { MISSING_KEY_SENTENCE } from './secrets.ts';

/** How long a user has between asking for the authorize URL and coming back from the CRM. */
export const STATE_TTL_MS = 10 * 60_000;

export interface OAuthState {
  provider: string;
  teamId: string;
  userId: string;
  /** Milliseconds since the epoch after which the state is refused. */
  expiresAt: number;
}

const VERSION = 's1';

/** A key for signing states only: never the encryption key itself. */
function stateKey(key: Buffer | undefined): Buffer {
  if (!key) throw new AppError(ErrorCode.CrmNotConfigured, MISSING_KEY_SENTENCE);
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), 'icp-crm-oauth-state-v1', 32));
}

const mac = (key: Buffer, body: string) => createHmac('sha256', key).update(body).digest();

/** `s1.<payload>.<mac>`, base64url: the payload holds provider, team, user, expiry and a nonce. */
export function signState(key: Buffer | undefined, s: Omit<OAuthState, 'expiresAt'>, now = Date.now()): string {
  const k = stateKey(key);
  const payload = Buffer.from(
    JSON.stringify({
      p: s.provider,
      t: s.teamId,
      u: s.userId,
      e: now + STATE_TTL_MS,
      n: randomBytes(12).toString('base64url'),
    }),
  ).toString('base64url');
  const body = `${VERSION}.${payload}`;
  return `${body}.${mac(k, body).toString('base64url')}`;
}

/** Why a state is refused, in the sentence the callback page shows. */
export type StateProblem = 'malformed' | 'forged' | 'expired';

export const STATE_PROBLEM_SENTENCE: Record<StateProblem, string> = {
  malformed: 'This link is not a CRM connection request from this bot. Start again from `icp connect`.',
  forged:
    'This connection request was not signed by this bot, so nothing was connected. Start again from `icp connect`.',
  expired:
    'This connection request is more than 10 minutes old, so nothing was connected. Start again from `icp connect`.',
};

/** The state back when this bot signed it and it has not expired; otherwise why not. */
export function verifyState(
  key: Buffer | undefined,
  state: string,
  now = Date.now(),
): { ok: true; state: OAuthState } | { ok: false; problem: StateProblem } {
  const k = stateKey(key);
  const parts = state.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || !parts[1] || !parts[2]) return { ok: false, problem: 'malformed' };
  const expected = mac(k, `${parts[0]}.${parts[1]}`);
  const given = Buffer.from(parts[2], 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, problem: 'forged' };
  let p: { p?: unknown; t?: unknown; u?: unknown; e?: unknown };
  try {
    p = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as typeof p;
  } catch {
    return { ok: false, problem: 'malformed' };
  }
  if (typeof p.p !== 'string' || typeof p.t !== 'string' || typeof p.u !== 'string' || typeof p.e !== 'number') {
    return { ok: false, problem: 'malformed' };
  }
  if (now > p.e) return { ok: false, problem: 'expired' };
  return { ok: true, state: { provider: p.p, teamId: p.t, userId: p.u, expiresAt: p.e } };
}
