/**
 * HubSpot OAuth through the official SDK (@hubspot/api-client `client.oauth`): the authorize URL, the
 * code and refresh-token grants (POST /oauth/v1/token), the access token's metadata (hub and scopes) and
 * revoking a refresh token. The base URL is configurable like the CRM calls', so tests aim the real SDK
 * at the local fake. Nothing here stores anything: src/usecases/crm-oauth.ts does.
 */
import { Client } from '@hubspot/api-client';
import type { CrmOAuthApp } from '../config.ts';
import { AppError, ErrorCode } from '../errors.ts';
import type { CrmCredentials } from './credentials.ts';

export type OAuthCredentials = Extract<CrmCredentials, { kind: 'oauth' }>;

export interface HubSpotOAuthOptions {
  /** HUBSPOT_API_URL; the SDK's default (https://api.hubapi.com) when undefined. */
  basePath?: string | undefined;
  retries: number;
}

const client = (opts: HubSpotOAuthOptions, accessToken?: string) =>
  new Client({
    ...(accessToken ? { accessToken } : {}),
    ...(opts.basePath ? { basePath: opts.basePath.replace(/\/+$/, '') } : {}),
    numberOfApiCallRetries: opts.retries,
  });

/** HubSpot's refusal of a grant (https://developers.hubspot.com/docs/api-reference/auth-oauth-v1/guide). */
const grantStatus = (err: unknown): { code: number; status: string } | null => {
  const e = err as { code?: unknown; body?: unknown } | null;
  if (!e || typeof e.code !== 'number') return null;
  const body = (typeof e.body === 'string' ? safeJson(e.body) : e.body) as { status?: unknown } | null;
  return { code: e.code, status: typeof body?.status === 'string' ? body.status : '' };
};
const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

/** The URL the user's browser opens: HubSpot's consent screen for this app, carrying `state`. */
export function hubspotAuthorizeUrl(app: CrmOAuthApp, state: string): string {
  return new Client().oauth.getAuthorizationUrl(
    app.clientId,
    app.redirectUri,
    app.scopes.join(' '),
    app.optionalScopes.length > 0 ? app.optionalScopes.join(' ') : undefined,
    state,
  );
}

const credentialsOf = (
  t: { accessToken: string; refreshToken: string; expiresIn: number },
  now: number,
  previousRefresh: string | null = null,
): OAuthCredentials => ({
  kind: 'oauth',
  accessToken: t.accessToken,
  // HubSpot answers the refresh grant with the same refresh token; keep the old one if it ever does not.
  refreshToken: t.refreshToken || previousRefresh,
  expiresAt: Number.isFinite(t.expiresIn) ? new Date(now + t.expiresIn * 1000).toISOString() : null,
});

/** The authorization-code grant: the code the callback received, for an access and a refresh token. */
export async function hubspotExchangeCode(
  opts: HubSpotOAuthOptions,
  app: CrmOAuthApp,
  code: string,
  now = Date.now(),
): Promise<OAuthCredentials> {
  try {
    const t = await client(opts).oauth.tokensApi.create(
      'authorization_code',
      code,
      app.redirectUri,
      app.clientId,
      app.clientSecret,
    );
    return credentialsOf(t, now);
  } catch (err) {
    const g = grantStatus(err);
    if (g && g.code >= 400 && g.code < 500) {
      throw new AppError(
        ErrorCode.CrmRefused,
        g.status === 'BAD_AUTH_CODE'
          ? 'HubSpot did not accept the authorization code (it was already used, or it expired): start again from `icp connect hubspot`.'
          : `HubSpot refused the token exchange (${g.status || `HTTP ${g.code}`}): check HUBSPOT_CLIENT_ID, HUBSPOT_CLIENT_SECRET and that HUBSPOT_REDIRECT_URI is the app’s redirect URL.`,
        { cause: err },
      );
    }
    throw err;
  }
}

/** The refresh-token grant: a new access token before the old one expires. */
export async function hubspotRefresh(
  opts: HubSpotOAuthOptions,
  app: CrmOAuthApp,
  creds: OAuthCredentials,
  now = Date.now(),
): Promise<OAuthCredentials> {
  if (!creds.refreshToken) {
    throw new AppError(ErrorCode.CrmRefused, 'The HubSpot connection has no refresh token: connect again.');
  }
  try {
    const t = await client(opts).oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      app.clientId,
      app.clientSecret,
      creds.refreshToken,
    );
    return credentialsOf(t, now, creds.refreshToken);
  } catch (err) {
    const g = grantStatus(err);
    if (g && g.code >= 400 && g.code < 500) {
      throw new AppError(
        ErrorCode.CrmRefused,
        'HubSpot refused to renew the connection’s token (the app was uninstalled from HubSpot, or the refresh token revoked): connect HubSpot again.',
        { cause: err },
      );
    }
    throw err;
  }
}

/** The access token's portal and granted scopes (GET /oauth/v1/access-tokens/{token}). */
export async function hubspotAccessTokenInfo(
  opts: HubSpotOAuthOptions,
  accessToken: string,
): Promise<{ hubId: number | null; scopes: string[] }> {
  const r = await client(opts).oauth.accessTokensApi.get(accessToken);
  return { hubId: typeof r.hubId === 'number' ? r.hubId : null, scopes: r.scopes ?? [] };
}

/** Deletes the refresh token at HubSpot (DELETE /oauth/v1/refresh-tokens/{token}): no new access tokens. */
export async function hubspotRevoke(opts: HubSpotOAuthOptions, creds: OAuthCredentials): Promise<void> {
  if (!creds.refreshToken) return;
  await client(opts).oauth.refreshTokensApi.archive(creds.refreshToken);
}
