import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { accessTokenOf, needsRefresh, openCredentials, sealCredentials } from '../../src/crm/credentials.ts';
import { encryptToken } from '../../src/crm/secrets.ts';

const key = randomBytes(32);

describe('CRM credentials', () => {
  it('round-trips OAuth credentials and never stores the tokens in clear', () => {
    const creds = {
      kind: 'oauth' as const,
      accessToken: '00Dxx!access-secret',
      refreshToken: '5Aep-refresh-secret',
      expiresAt: '2026-12-07T15:00:00.000Z',
      instanceUrl: 'https://example.my.salesforce.com',
    };
    const stored = sealCredentials(key, 'T1', creds);
    expect(stored).not.toContain('secret');
    expect(openCredentials(key, 'T1', stored)).toEqual(creds);
    expect(accessTokenOf(creds)).toBe('00Dxx!access-secret');
  });

  it('reads a bare private-app token stored before credentials were JSON', () => {
    const stored = encryptToken(key, 'T1', 'pat-na1-abc');
    expect(openCredentials(key, 'T1', stored)).toEqual({ kind: 'token', token: 'pat-na1-abc' });
  });

  it('refuses credentials of an unknown shape', () => {
    const stored = encryptToken(key, 'T1', JSON.stringify({ kind: 'password', password: 'x' }));
    expect(() => openCredentials(key, 'T1', stored)).toThrow(/connect again/);
  });

  it('asks for a refresh five minutes before expiry, never for a private-app token', () => {
    const now = new Date('2026-12-07T14:00:00Z');
    const oauth = (expiresAt: string | null) =>
      ({ kind: 'oauth', accessToken: 'a', refreshToken: 'r', expiresAt }) as const;
    expect(needsRefresh(oauth('2026-12-07T14:04:00Z'), now)).toBe(true);
    expect(needsRefresh(oauth('2026-12-07T14:06:00Z'), now)).toBe(false);
    expect(needsRefresh(oauth(null), now)).toBe(false);
    expect(needsRefresh({ kind: 'token', token: 't' }, now)).toBe(false);
  });
});
