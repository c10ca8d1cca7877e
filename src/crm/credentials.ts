/**
 * What a CRM connection authenticates with, sealed as one encrypted JSON value in
 * crm_connections.token_encrypted (src/crm/secrets.ts): a HubSpot private-app token, or OAuth tokens
 * (HubSpot OAuth, Salesforce web-server flow or JWT bearer) with their expiry and, for Salesforce, the
 * instance URL. Rows written before this module held the bare private-app token; they still open.
 */
import { z } from 'zod';
import { AppError, ErrorCode } from '../errors.ts';
import { decryptToken, encryptToken } from './secrets.ts';

export const CrmCredentialsSchema = z.discriminatedUnion('kind', [
  /** A HubSpot private-app token: never expires, cannot be revoked through the API. */
  z.object({ kind: z.literal('token'), token: z.string().min(1) }),
  /** OAuth 2.0 tokens; the access token is refreshed before `expiresAt` with the refresh token. */
  z.object({
    kind: z.literal('oauth'),
    accessToken: z.string().min(1),
    refreshToken: z.string().min(1).nullable(),
    /** ISO time the access token stops working; null when the provider does not say. */
    expiresAt: z.string().datetime({ offset: true }).nullable(),
    /** Salesforce: the org's instance URL the token belongs to. */
    instanceUrl: z.string().url().optional(),
  }),
  /** Salesforce JWT bearer: no refresh token; a new access token is minted from the signed assertion. */
  z.object({
    kind: z.literal('jwt'),
    accessToken: z.string().min(1),
    expiresAt: z.string().datetime({ offset: true }).nullable(),
    instanceUrl: z.string().url(),
    username: z.string().min(1),
  }),
]);
export type CrmCredentials = z.infer<typeof CrmCredentialsSchema>;

/** Encrypts the credentials for `teamId`'s row. */
export function sealCredentials(key: Buffer | undefined, teamId: string, creds: CrmCredentials): string {
  return encryptToken(key, teamId, JSON.stringify(CrmCredentialsSchema.parse(creds)));
}

/** The credentials back from a stored value (a bare token from before this module reads as `token`). */
export function openCredentials(key: Buffer | undefined, teamId: string, stored: string): CrmCredentials {
  const text = decryptToken(key, teamId, stored);
  if (!text.startsWith('{')) return { kind: 'token', token: text };
  const parsed = CrmCredentialsSchema.safeParse(JSON.parse(text));
  if (!parsed.success) {
    throw new AppError(
      ErrorCode.CrmNotConfigured,
      'The stored CRM credentials are not in a format this bot reads: connect again.',
    );
  }
  return parsed.data;
}

/** The access token a request sends. */
export const accessTokenOf = (c: CrmCredentials): string => (c.kind === 'token' ? c.token : c.accessToken);

/** Refresh this long before expiry, so a token never lapses mid-page. */
export const REFRESH_MARGIN_MS = 5 * 60_000;

/** True when the access token expires within the margin (private-app tokens never do). */
export function needsRefresh(c: CrmCredentials, now: Date = new Date()): boolean {
  if (c.kind === 'token' || c.expiresAt === null) return false;
  return new Date(c.expiresAt).getTime() - now.getTime() <= REFRESH_MARGIN_MS;
}
