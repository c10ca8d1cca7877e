import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { decryptToken, encryptToken, MISSING_KEY_SENTENCE, parseEncryptionKey } from '../../src/crm/secrets.ts';
import { createLogger } from '../../src/logger.ts';

const key = randomBytes(32);
const token = 'pat-na1-11111111-2222-3333-4444-555555555555';

describe('CRM token encryption', () => {
  it('round-trips a token and never stores its text', () => {
    const stored = encryptToken(key, 'T1', token);
    expect(stored).not.toContain(token);
    expect(stored).not.toContain('pat-na1');
    expect(decryptToken(key, 'T1', stored)).toBe(token);
  });

  it('uses a fresh IV per encryption', () => {
    expect(encryptToken(key, 'T1', token)).not.toBe(encryptToken(key, 'T1', token));
  });

  it('refuses a value moved to another workspace, or opened with another key', () => {
    const stored = encryptToken(key, 'T1', token);
    expect(() => decryptToken(key, 'T2', stored)).toThrow(/cannot be decrypted/);
    expect(() => decryptToken(randomBytes(32), 'T1', stored)).toThrow(/cannot be decrypted/);
  });

  it('refuses to encrypt without a key, saying how to generate one', () => {
    expect(() => encryptToken(undefined, 'T1', token)).toThrow(MISSING_KEY_SENTENCE);
    expect(MISSING_KEY_SENTENCE).toContain('openssl rand -base64 32');
  });

  it('reads base64 and hex keys of 32 bytes only', () => {
    expect(parseEncryptionKey(key.toString('base64'))?.equals(key)).toBe(true);
    expect(parseEncryptionKey(key.toString('hex'))?.equals(key)).toBe(true);
    expect(parseEncryptionKey(randomBytes(16).toString('base64'))).toBeNull();
  });
});

describe('CRM configuration', () => {
  it('reads the key and the HubSpot base URL from the environment', () => {
    const c = loadConfig({ CRM_ENCRYPTION_KEY: key.toString('base64'), HUBSPOT_API_URL: 'http://127.0.0.1:9' });
    expect(c.crm.encryptionKey?.equals(key)).toBe(true);
    expect(c.crm.hubspotApiUrl).toBe('http://127.0.0.1:9');
    expect(loadConfig({}).crm.encryptionKey).toBeUndefined();
  });

  it('names a key of the wrong length and says how to make one', () => {
    expect(() => loadConfig({ CRM_ENCRYPTION_KEY: 'short' })).toThrow(/CRM_ENCRYPTION_KEY .*openssl rand -base64 32/);
  });
});

describe('logging CRM secrets', () => {
  it('removes tokens, ciphertext and keys from log lines', () => {
    const lines: string[] = [];
    const log = createLogger({ json: true, write: (l) => lines.push(l) });
    const stored = encryptToken(key, 'T1', token);
    log.info('connecting', { accessToken: token, tokenEncrypted: stored, encryptionKey: key.toString('base64') });
    log.info(`request failed with Bearer ${token}`);
    const all = lines.join('\n');
    expect(all).not.toContain(token);
    expect(all).not.toContain(stored);
    expect(all).not.toContain(key.toString('base64'));
  });
});
