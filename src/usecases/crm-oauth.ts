/**
 * Use case: connecting a CRM with OAuth's web-server flow, and disconnecting.
 *
 * 1. authorizeUrl: the CRM's consent URL for this workspace and user, with a signed, 10-minute `state`
 *    (src/crm/oauth-state.ts) binding team, user and CRM.
 * 2. completeOAuth: the callback (GET /crm/oauth/callback, src/slack/crm-oauth-route.ts) verifies the
 *    state, lets the CRM's entry exchange the code and store the connection (credentials kind 'oauth',
 *    sealed), and answers with the sentence the browser page shows.
 * 3. disconnectCrm: deletes the connection, then revokes its token at the CRM (best effort, said when
 *    it fails). Token refreshes while a connection is used: src/usecases/crm-credentials.ts.
 *
 * Each CRM is one entry of OAUTH_PROVIDERS: its app settings, its authorize URL, its connect (exchange,
 * checks, store) and its revoke.
 */
import { deleteCrmConnection, getCrmConnection } from '../../db/queries/crm.ts';
import { deleteWritebackState } from '../../db/queries/crm-writeback.ts';
import type { Config, CrmOAuthApp } from '../config.ts';
import { type CrmCredentials, openCredentials } from '../crm/credentials.ts';
import { hubspotApi } from '../crm/hubspot.ts';
import {
  hubspotAccessTokenInfo,
  hubspotAuthorizeUrl,
  hubspotExchangeCode,
  hubspotRevoke,
} from '../crm/hubspot-oauth.ts';
import { STATE_PROBLEM_SENTENCE, signState, verifyState } from '../crm/oauth-state.ts';
import type { Deps } from '../deps.ts';
import { AppError, ErrorCode } from '../errors.ts';
import { salesforceOAuthProvider } from './crm-salesforce.ts';
import { saveHubSpotConnection } from './crm-sync.ts';

type CrmDeps = Pick<Deps, 'config' | 'db' | 'logger'>;

/** One CRM's side of the OAuth web-server flow. */
export interface OAuthProvider {
  id: string;
  /** As users read it: "HubSpot". */
  label: string;
  /** This bot's OAuth app at the CRM, from the configuration; undefined when not configured. */
  app(config: Config): CrmOAuthApp | undefined;
  authorizeUrl(app: CrmOAuthApp, state: string): string;
  /**
   * Exchanges the code, checks what the tokens may do (naming a missing scope) and stores the
   * connection; resolves with how to name the connected account ("portal 123"), if known.
   */
  connect(
    deps: CrmDeps,
    args: { app: CrmOAuthApp; teamId: string; userId: string; code: string },
  ): Promise<string | null>;
  /**
   * Revokes the stored credentials at the CRM: 'not-revocable' when the CRM offers no way (a HubSpot
   * private-app token). Throws when the CRM refused or could not be reached.
   */
  revoke(deps: CrmDeps, creds: CrmCredentials): Promise<'revoked' | 'not-revocable'>;
  /** Where the user removes the connection by hand when revoking failed. */
  manualRevoke: string;
}

const hubspotOpts = (deps: CrmDeps) => ({
  basePath: deps.config.crm.hubspotApiUrl,
  retries: deps.config.crm.hubspotRetries,
});

const hubspot: OAuthProvider = {
  id: 'hubspot',
  label: 'HubSpot',
  app: (config) => config.crm.hubspotOAuth,
  authorizeUrl: hubspotAuthorizeUrl,
  async connect(deps, { app, teamId, userId, code }) {
    const credentials = await hubspotExchangeCode(hubspotOpts(deps), app, code);
    const info = await hubspotAccessTokenInfo(hubspotOpts(deps), credentials.accessToken);
    const api = hubspotApi({
      token: credentials.accessToken,
      ...hubspotOpts(deps),
      perSecond: deps.config.crm.hubspotPerSecond,
    });
    const r = await saveHubSpotConnection(deps, { teamId, userId, credentials, info, api });
    return r.hubId ? `portal ${r.hubId}` : null;
  },
  async revoke(deps, creds) {
    // A private-app token has no revoke endpoint: it lives until rotated or the app is deleted in HubSpot.
    if (creds.kind !== 'oauth' || !creds.refreshToken) return 'not-revocable';
    await hubspotRevoke(hubspotOpts(deps), creds);
    return 'revoked';
  },
  manualRevoke: 'HubSpot → Settings → Integrations → Connected Apps',
};

/** Every CRM that connects with OAuth, by the id `icp connect <id>` and the state use. */
export const OAUTH_PROVIDERS: Readonly<Record<string, OAuthProvider>> = {
  hubspot,
  salesforce: salesforceOAuthProvider,
};

function providerOf(id: string): OAuthProvider {
  const p = OAUTH_PROVIDERS[id.toLowerCase()];
  if (!p) {
    throw new AppError(
      ErrorCode.BadInput,
      `“${id}” is not a CRM this bot connects with OAuth (it knows ${Object.keys(OAUTH_PROVIDERS).join(', ')}).`,
    );
  }
  return p;
}

/** True when this bot has an OAuth app at the CRM (App Home can then offer a Connect button). */
export function oauthConfigured(config: Config, provider: string): boolean {
  const p = OAUTH_PROVIDERS[provider.toLowerCase()];
  return p !== undefined && p.app(config) !== undefined;
}

/**
 * The URL to open in a browser to connect `provider` for this workspace; valid for 10 minutes, for
 * this user. Refuses without CRM_ENCRYPTION_KEY (the state is signed with a key derived from it) and
 * when the CRM's OAuth app is not configured.
 */
export function authorizeUrl(deps: Pick<Deps, 'config'>, provider: string, teamId: string, userId: string): string {
  const p = providerOf(provider);
  const app = p.app(deps.config);
  if (!app) {
    throw new AppError(
      ErrorCode.CrmNotConfigured,
      `${p.label} OAuth is not set up on this bot: set ${p.id.toUpperCase()}_CLIENT_ID, ${p.id.toUpperCase()}_CLIENT_SECRET and ${p.id.toUpperCase()}_REDIRECT_URI, or connect with a token.`,
    );
  }
  return p.authorizeUrl(app, signState(deps.config.crm.encryptionKey, { provider: p.id, teamId, userId }));
}

export interface CallbackAnswer {
  /** The HTTP status of the page. */
  status: number;
  ok: boolean;
  /** The page's heading and its one sentence (plain text: the route escapes them). */
  title: string;
  sentence: string;
}

const refused = (status: number, sentence: string): CallbackAnswer => ({
  status,
  ok: false,
  title: 'Not connected',
  sentence,
});

/** The callback: what the CRM sent the browser back with, to the page the user reads. Never throws. */
export async function completeOAuth(
  deps: CrmDeps,
  query: { state?: string | undefined; code?: string | undefined; error?: string | undefined },
): Promise<CallbackAnswer> {
  try {
    if (!query.state) return refused(400, STATE_PROBLEM_SENTENCE.malformed);
    const v = verifyState(deps.config.crm.encryptionKey, query.state);
    if (!v.ok) {
      deps.logger.warn('CRM OAuth callback refused', { problem: v.problem });
      return refused(400, STATE_PROBLEM_SENTENCE[v.problem]);
    }
    const { provider, teamId, userId } = v.state;
    const p = OAUTH_PROVIDERS[provider];
    if (!p) return refused(400, STATE_PROBLEM_SENTENCE.malformed);
    if (query.error) {
      return refused(400, `${p.label} did not grant access (${query.error}), so nothing was connected.`);
    }
    if (!query.code) return refused(400, `${p.label} sent no authorization code back, so nothing was connected.`);
    const app = p.app(deps.config);
    if (!app) return refused(503, `${p.label} OAuth is not set up on this bot any more; ask its admin.`);
    const account = await p.connect(deps, { app, teamId, userId, code: query.code });
    return {
      status: 200,
      ok: true,
      title: `Connected to ${p.label}`,
      sentence:
        `Connected to ${p.label}${account ? ` (${account})` : ''}, you can close this tab. ` +
        'Nothing syncs until an owner confirms the field mapping: in Slack, App Home → “Review field mapping”, ' +
        'or `icp crm mapping` then `icp crm mapping --confirm`.',
    };
  } catch (err) {
    if (err instanceof AppError) {
      deps.logger.warn('CRM OAuth connection refused', err);
      return refused(err.code === ErrorCode.CrmNotConfigured ? 503 : 400, err.message);
    }
    deps.logger.error('CRM OAuth callback failed', err);
    return refused(502, 'Connecting failed on an unexpected error (it was logged); start again from `icp connect`.');
  }
}

export interface DisconnectResult {
  removed: boolean;
  provider: string | null;
  /** What happened to the token at the CRM. */
  revoke: 'revoked' | 'not-revocable' | 'failed' | 'none';
  /** When revoking failed: what to do by hand. */
  problem?: string;
}

/**
 * Forgets the team's connection and its token, then revokes the token at the CRM (best effort: the
 * row is deleted either way, and a failed revoke is said, with where to remove the app by hand).
 */
export async function disconnectCrm(deps: CrmDeps, teamId: string): Promise<DisconnectResult> {
  const conn = await getCrmConnection(deps.db, teamId);
  if (!conn) return { removed: false, provider: null, revoke: 'none' };
  const p = OAUTH_PROVIDERS[conn.provider];
  let creds: CrmCredentials | null = null;
  let openProblem: string | null = null;
  try {
    creds = openCredentials(deps.config.crm.encryptionKey, teamId, conn.tokenEncrypted);
  } catch (err) {
    openProblem = err instanceof AppError ? err.message : 'the stored token could not be read';
  }
  const removed = await deleteCrmConnection(deps.db, teamId);
  await deleteWritebackState(deps.db, teamId);
  if (removed) deps.logger.info('CRM disconnected', { teamId, provider: conn.provider });
  const label = p?.label ?? conn.provider;
  const byHand = p ? ` Remove the app in ${p.manualRevoke} to be sure.` : '';
  if (!creds || !p) {
    return {
      removed,
      provider: conn.provider,
      revoke: 'failed',
      problem: `The connection is deleted here, but its token could not be revoked at ${label} (${openProblem ?? 'no revoke for this CRM'}).${byHand}`,
    };
  }
  try {
    const revoke = await p.revoke(deps, creds);
    deps.logger.info('CRM token revoke', { teamId, provider: conn.provider, revoke });
    return { removed, provider: conn.provider, revoke };
  } catch (err) {
    deps.logger.warn('CRM token revoke failed', { teamId, provider: conn.provider }, err);
    return {
      removed,
      provider: conn.provider,
      revoke: 'failed',
      problem: `The connection is deleted here, but ${label} did not confirm revoking its token.${byHand}`,
    };
  }
}
