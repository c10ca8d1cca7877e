/**
 * CRM tokens at rest: AES-256-GCM (node:crypto) under the 32-byte CRM_ENCRYPTION_KEY. A fresh random
 * 96-bit IV per token and GCM's authentication tag mean a stored value cannot be altered, or moved to
 * another workspace's row, without decryption failing (the team id is bound in as additional data).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { AppError, ErrorCode } from '../errors.ts';

const VERSION = 'v1';

/** The sentence every surface shows when the key is missing: it says how to make one. */
export const MISSING_KEY_SENTENCE =
  'CRM_ENCRYPTION_KEY is not set, and the bot never stores a CRM token unencrypted. Generate a key with ' +
  '`openssl rand -base64 32`, set CRM_ENCRYPTION_KEY to it in the bot’s environment, and connect again.';

/** A key from the environment: base64 (or 64 hex characters) decoding to exactly 32 bytes, else null. */
export function parseEncryptionKey(text: string): Buffer | null {
  const t = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(t) ? Buffer.from(t, 'hex') : Buffer.from(t, 'base64');
  return key.length === 32 ? key : null;
}

function requireKey(key: Buffer | undefined): Buffer {
  if (!key) throw new AppError(ErrorCode.CrmNotConfigured, MISSING_KEY_SENTENCE);
  return key;
}

/** Encrypts `token` for `teamId`'s row: `v1.<iv>.<tag>.<ciphertext>`, base64url parts. */
export function encryptToken(key: Buffer | undefined, teamId: string, token: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', requireKey(key), iv);
  cipher.setAAD(Buffer.from(teamId, 'utf8'));
  const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

/** The token back; throws CrmNotConfigured when the key is wrong or the value was tampered with. */
export function decryptToken(key: Buffer | undefined, teamId: string, stored: string): string {
  const k = requireKey(key);
  const [version, iv, tag, body] = stored.split('.');
  if (version !== VERSION || !iv || !tag || body === undefined) {
    throw new AppError(
      ErrorCode.CrmNotConfigured,
      'The stored CRM token is not in a format this bot reads: connect again.',
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', k, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(teamId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
  } catch (err) {
    throw new AppError(
      ErrorCode.CrmNotConfigured,
      'The stored CRM token cannot be decrypted with this CRM_ENCRYPTION_KEY (was the key changed?): connect again.',
      { cause: err },
    );
  }
}
