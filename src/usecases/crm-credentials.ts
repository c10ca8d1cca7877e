/**
 * A connection's credentials while they are in use: opened from the sealed column once, refreshed
 * before they expire (needsRefresh: within 5 minutes) and the refresh stored at once
 * (updateCrmCredentials), so a sync or a write-back never sends a lapsed token, and a crash after a
 * refresh loses nothing. Generic over CRMs (the refresh is the provider's); hubspotSession wraps the
 * HubSpot calls so every one of them, the first of a sync and each page after, asks for a fresh token.
 */
import type { CrmConnectionRow } from '../../db/queries/crm.ts';
import { updateCrmCredentials } from '../../db/queries/crm.ts';
import {
  accessTokenOf,
  type CrmCredentials,
  needsRefresh,
  openCredentials,
  sealCredentials,
} from '../crm/credentials.ts';
import { type HubSpotApi, hubspotApi } from '../crm/hubspot.ts';
import { hubspotRefresh } from '../crm/hubspot-oauth.ts';
import type { Deps } from '../deps.ts';
import { AppError, ErrorCode } from '../errors.ts';

type CrmDeps = Pick<Deps, 'config' | 'db' | 'logger'>;

/** The provider's refresh: new credentials from the old ones (the refresh token inside them). */
export type RefreshCredentials = (creds: CrmCredentials) => Promise<CrmCredentials>;

export interface CredentialKeeper {
  /**
   * The credentials to send now: refreshed first when they expire within the margin, or when `force`d
   * (the CRM answered 401 to them).
   */
  current(force?: boolean): Promise<CrmCredentials>;
  /**
   * Refreshes now, whatever the expiry says (the CRM refused the access token early: revoked, or a
   * clock off); null when these credentials cannot be refreshed (a private-app token).
   */
  renew(): Promise<CrmCredentials> | null;
}

export function credentialKeeper(
  deps: CrmDeps,
  args: {
    teamId: string;
    provider: string;
    /** crm_connections.token_encrypted */
    stored: string;
    refresh: RefreshCredentials;
    now?: () => number;
  },
): CredentialKeeper {
  const key = deps.config.crm.encryptionKey;
  const now = args.now ?? Date.now;
  let creds = openCredentials(key, args.teamId, args.stored);
  // Calls waiting on one refresh share it: one grant, one write.
  let refreshing: Promise<CrmCredentials> | null = null;
  const refresh = (): Promise<CrmCredentials> => {
    refreshing ??= (async () => {
      const next = await args.refresh(creds);
      await updateCrmCredentials(deps.db, {
        teamId: args.teamId,
        provider: args.provider,
        tokenEncrypted: sealCredentials(key, args.teamId, next),
      });
      deps.logger.info('CRM token refreshed', {
        teamId: args.teamId,
        provider: args.provider,
        expiresAt: next.kind === 'token' ? null : next.expiresAt,
      });
      creds = next;
      return next;
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  };
  return {
    async current(force = false) {
      return force || needsRefresh(creds, new Date(now())) ? refresh() : creds;
    },
    renew() {
      return creds.kind === 'oauth' && creds.refreshToken ? refresh() : null;
    },
  };
}

/** HubSpot's refresh grant with this bot's OAuth app; refused in words when the app is not configured. */
export function refreshHubSpot(deps: CrmDeps): RefreshCredentials {
  return async (creds) => {
    if (creds.kind !== 'oauth') return creds;
    const app = deps.config.crm.hubspotOAuth;
    if (!app) {
      throw new AppError(
        ErrorCode.CrmNotConfigured,
        'This HubSpot connection was made with OAuth, and its token cannot be renewed without HUBSPOT_CLIENT_ID, ' +
          'HUBSPOT_CLIENT_SECRET and HUBSPOT_REDIRECT_URI: set them again, or connect with a private-app token.',
      );
    }
    return hubspotRefresh(
      { basePath: deps.config.crm.hubspotApiUrl, retries: deps.config.crm.hubspotRetries },
      app,
      creds,
    );
  };
}

/** HubSpot answered 401 (src/crm/hubspot.ts hubspotFailure keeps the SDK's error as the cause). */
const refusedToken = (err: unknown): boolean =>
  err instanceof AppError &&
  err.code === ErrorCode.CrmRefused &&
  (err.original as { code?: unknown } | undefined)?.code === 401;

/**
 * The HubSpot calls of one sync (or write-back) over the connection's credentials: each call first gets
 * the current token (refreshed when about to expire) and a client for it.
 */
export function hubspotSession(
  deps: CrmDeps,
  args: {
    teamId: string;
    conn: Pick<CrmConnectionRow, 'provider' | 'tokenEncrypted'>;
    factory: (token: string) => HubSpotApi;
    now?: () => number;
    /** The credentials' keeper when the caller needs them too (one refresh for both). */
    keeper?: CredentialKeeper;
  },
): HubSpotApi {
  const keeper =
    args.keeper ??
    credentialKeeper(deps, {
      teamId: args.teamId,
      provider: args.conn.provider,
      stored: args.conn.tokenEncrypted,
      refresh: refreshHubSpot(deps),
      ...(args.now ? { now: args.now } : {}),
    });
  let token: string | undefined;
  let api: HubSpotApi | undefined;
  const fresh = async (): Promise<HubSpotApi> => {
    const t = accessTokenOf(await keeper.current());
    if (t !== token || !api) {
      token = t;
      api = args.factory(t);
    }
    return api;
  };
  const invoke = async (method: string, a: unknown[]) => {
    const client = (await fresh()) as unknown as Record<string, (...x: unknown[]) => unknown>;
    return client[method]!(...a);
  };
  // Every method, present and future, takes the fresh client first: nothing can call HubSpot around it.
  // A 401 despite the expiry (the token revoked, a clock off) renews an OAuth token once and tries again.
  // (Not a thenable: `then` and symbols are absent, so the session can be returned from async code.)
  return new Proxy({} as HubSpotApi, {
    get: (_target, method) =>
      typeof method !== 'string' || method === 'then'
        ? undefined
        : async (...a: unknown[]) => {
            try {
              return await invoke(method, a);
            } catch (err) {
              const renewing = refusedToken(err) ? keeper.renew() : null;
              if (!renewing) throw err;
              deps.logger.warn('HubSpot refused the access token before its expiry: renewing it once', {
                teamId: args.teamId,
              });
              await renewing;
              return invoke(method, a);
            }
          },
  });
}

/** How a use case reaches HubSpot for a token: the SDK by default, a stand-in in tests. */
export type HubSpotFactory = (token: string) => HubSpotApi;

/** The SDK client, configured from the bot's settings (base URL, retries, pacing). */
export const hubspotFactory =
  (deps: Pick<Deps, 'config'>): HubSpotFactory =>
  (token) =>
    hubspotApi({
      token,
      basePath: deps.config.crm.hubspotApiUrl,
      retries: deps.config.crm.hubspotRetries,
      perSecond: deps.config.crm.hubspotPerSecond,
    });
