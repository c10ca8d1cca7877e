/**
 * Use case: connect a workspace's Salesforce — OAuth web-server flow with a refresh token (through the
 * provider-generic callback of src/usecases/crm-oauth.ts, or the code pasted into `icp connect
 * salesforce --code -`) or JWT bearer — and reach it during a sync with its session refreshed before it
 * expires and once on a 401, and revoked on disconnect. The sync itself is src/usecases/crm-sync.ts's,
 * over src/crm/salesforce-source.ts; jsforce calls live in src/crm/salesforce.ts.
 */
import { type CrmConnectionRow, saveCrmConnection } from '../../db/queries/crm.ts';
import type { Config, CrmOAuthApp } from '../config.ts';
import { type CrmCredentials, sealCredentials } from '../crm/credentials.ts';
import type { CrmMapping } from '../crm/mapping-review.ts';
import {
  authorizeUrl,
  exchangeCode,
  mintJwt,
  refreshAccess,
  revokeToken,
  type SalesforceApi,
  type SalesforceApp,
  type SalesforceSession,
  type SalesforceToken,
  salesforceApi,
} from '../crm/salesforce.ts';
import { missingAccess, proposeSalesforceMapping, SOBJECT } from '../crm/salesforce-mapping.ts';
import { MISSING_KEY_SENTENCE } from '../crm/secrets.ts';
import type { Deps } from '../deps.ts';
import { AppError, ErrorCode } from '../errors.ts';
import { credentialKeeper, type RefreshCredentials } from './crm-credentials.ts';
import type { OAuthProvider } from './crm-oauth.ts';

type CrmDeps = Pick<Deps, 'config' | 'db' | 'logger'>;
type SalesforceCredentials = Extract<CrmCredentials, { kind: 'oauth' | 'jwt' }>;

/**
 * Salesforce does not say when an access token expires; it lasts the org's session timeout, two hours
 * unless an admin changed it. A shorter one ends in a 401, which refreshes once.
 */
export const SALESFORCE_SESSION_MS = 2 * 60 * 60_000;
/** A second 401 this soon after a refresh means the new token is refused too: stop, do not loop. */
const REFRESH_AGAIN_AFTER_MS = 60_000;

const SETUP = 'Setup → App Manager → New Connected App, with OAuth enabled and the “api” and “refresh_token” scopes';

/** The connected app for a flow; names every setting that flow still needs. */
function app(deps: Pick<Deps, 'config'>, flow: 'oauth' | 'jwt'): SalesforceApp {
  const sf = deps.config.crm.salesforce;
  const missing: string[] = [];
  if (!sf.clientId) missing.push('SALESFORCE_CLIENT_ID (the consumer key)');
  if (flow === 'oauth' && !sf.clientSecret) missing.push('SALESFORCE_CLIENT_SECRET (the consumer secret)');
  if (flow === 'oauth' && !sf.redirectUri) missing.push('SALESFORCE_REDIRECT_URI (the app’s callback URL)');
  if (flow === 'jwt' && !sf.jwtPrivateKey) {
    missing.push(
      'SALESFORCE_JWT_PRIVATE_KEY or SALESFORCE_JWT_PRIVATE_KEY_FILE (the key of the certificate uploaded to the app)',
    );
  }
  if (missing.length > 0) {
    throw new AppError(
      ErrorCode.CrmNotConfigured,
      `To connect Salesforce ${flow === 'jwt' ? 'with JWT bearer' : 'with OAuth'}, set ${missing.join(', ')} in the bot’s environment, from a connected app (${SETUP}).`,
    );
  }
  return sf;
}

/** Checks the web-server flow is configured (a sentence naming what is missing otherwise). */
export function requireSalesforceOAuth(deps: Pick<Deps, 'config'>): void {
  app(deps, 'oauth');
}

const expiry = (t: SalesforceToken) => new Date(t.issuedAt.getTime() + SALESFORCE_SESSION_MS).toISOString();

export interface SalesforceConnectResult {
  provider: 'salesforce';
  flow: 'oauth' | 'jwt';
  instanceUrl: string;
  scopes: string[];
  /** The proposal, waiting for an owner's confirmation. */
  mapping: CrmMapping;
}

const listed = (items: readonly string[]) =>
  items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;

/**
 * Gets a token (the authorization code of the web-server flow, or a JWT bearer assertion for
 * `jwtUsername`), checks that the user can read Account and Opportunity and the fields the sync needs
 * (naming what is missing), proposes the mapping for an owner to confirm and stores the connection,
 * its token sealed.
 */
export async function connectSalesforce(
  deps: CrmDeps,
  args: { teamId: string; userId: string } & ({ code: string } | { jwtUsername: string }),
): Promise<SalesforceConnectResult> {
  const key = deps.config.crm.encryptionKey;
  // Without a key nothing is sent anywhere.
  if (!key) throw new AppError(ErrorCode.CrmNotConfigured, MISSING_KEY_SENTENCE);
  const flow = 'code' in args ? 'oauth' : 'jwt';
  const sf = app(deps, flow);
  let creds: SalesforceCredentials;
  let token: SalesforceToken;
  if ('code' in args) {
    const code = args.code.trim();
    if (!code) throw new AppError(ErrorCode.BadInput, 'Give the authorization code Salesforce returned with --code.');
    token = await exchangeCode(sf, code);
    creds = {
      kind: 'oauth',
      accessToken: token.accessToken,
      refreshToken: token.refreshToken,
      expiresAt: expiry(token),
      instanceUrl: token.instanceUrl,
    };
  } else {
    const username = args.jwtUsername.trim();
    if (!username) throw new AppError(ErrorCode.BadInput, 'Give the Salesforce username to act as with --username.');
    token = await mintJwt(sf, username);
    creds = {
      kind: 'jwt',
      accessToken: token.accessToken,
      expiresAt: expiry(token),
      instanceUrl: token.instanceUrl,
      username,
    };
  }
  const tokenEncrypted = sealCredentials(key, args.teamId, creds);
  const api = salesforceApi({
    session: async () => ({ accessToken: token.accessToken, instanceUrl: token.instanceUrl }),
    refresh: () =>
      Promise.reject(new AppError(ErrorCode.CrmRefused, 'Salesforce refused the token it had just issued.')),
  });
  const [companies, deals] = await Promise.all([api.describe(SOBJECT.companies), api.describe(SOBJECT.deals)]);
  const missing = missingAccess({ companies, deals });
  if (missing.length > 0) {
    // Nothing is stored, so the token is given back.
    await revokeToken(sf, revocable(creds)).catch(() => undefined);
    const who =
      creds.kind === 'jwt' ? `the Salesforce user ${creds.username}` : 'the Salesforce user who allowed access';
    throw new AppError(
      ErrorCode.CrmRefused,
      `Salesforce accepted the login, but ${who} cannot read ${listed(missing)}: give that user Read access to ${
        missing.length > 1 ? 'them' : 'it'
      } (a permission set with object and field-level security), then connect again.`,
    );
  }
  const mapping = proposeSalesforceMapping({ companies: companies!.fields, deals: deals!.fields }, await api.stages());
  await saveCrmConnection(deps.db, {
    teamId: args.teamId,
    provider: 'salesforce',
    tokenEncrypted,
    scopes: token.scopes,
    fieldMapping: mapping,
    createdBy: args.userId,
  });
  deps.logger.info('CRM connected', {
    teamId: args.teamId,
    provider: 'salesforce',
    flow,
    instanceUrl: token.instanceUrl,
  });
  return { provider: 'salesforce', flow, instanceUrl: token.instanceUrl, scopes: token.scopes, mapping };
}

/** The token whose revocation ends the connection: the refresh token (its access tokens go with it). */
const revocable = (c: SalesforceCredentials) =>
  c.kind === 'oauth' ? (c.refreshToken ?? c.accessToken) : c.accessToken;

/** A new access token: the refresh-token grant, or a newly signed JWT for the same user. */
export function refreshSalesforce(deps: CrmDeps): RefreshCredentials {
  return async (creds) => {
    if (creds.kind === 'jwt') {
      const t = await mintJwt(app(deps, 'jwt'), creds.username);
      return { ...creds, accessToken: t.accessToken, instanceUrl: t.instanceUrl, expiresAt: expiry(t) };
    }
    if (creds.kind !== 'oauth') return creds;
    if (!creds.refreshToken) {
      throw new AppError(
        ErrorCode.CrmRefused,
        'The Salesforce session expired and the connection holds no refresh token (the app lacks the refresh_token scope): add it and connect again.',
      );
    }
    const t = await refreshAccess(app(deps, 'oauth'), creds.refreshToken);
    return {
      ...creds,
      accessToken: t.accessToken,
      instanceUrl: t.instanceUrl,
      expiresAt: expiry(t),
      // Salesforce may rotate the refresh token; keep the new one when it does.
      refreshToken: t.refreshToken ?? creds.refreshToken,
    };
  };
}

function sessionOf(c: CrmCredentials): SalesforceSession {
  if (c.kind === 'token' || !c.instanceUrl) {
    throw new AppError(ErrorCode.CrmNotConfigured, 'The stored Salesforce credentials are incomplete: connect again.');
  }
  return { accessToken: c.accessToken, instanceUrl: c.instanceUrl };
}

/**
 * The org's calls over the connection's credentials (src/usecases/crm-credentials.ts): every call sends
 * the current session, refreshed first when about to expire; a 401 refreshes it once and the call is
 * repeated (jsforce's refresh delegate), every refresh stored sealed at once.
 */
export function salesforceSession(
  deps: CrmDeps,
  conn: Pick<CrmConnectionRow, 'teamId' | 'provider' | 'tokenEncrypted'>,
): SalesforceApi {
  const keeper = credentialKeeper(deps, {
    teamId: conn.teamId,
    provider: conn.provider,
    stored: conn.tokenEncrypted,
    refresh: refreshSalesforce(deps),
  });
  let refreshedAt = 0;
  return salesforceApi({
    session: async () => sessionOf(await keeper.current()),
    refresh: async () => {
      if (Date.now() - refreshedAt < REFRESH_AGAIN_AFTER_MS) {
        throw new AppError(
          ErrorCode.CrmRefused,
          'Salesforce refused the session it had just refreshed (revoked, or the user lost API access): connect again.',
        );
      }
      refreshedAt = Date.now();
      return sessionOf(await keeper.current(true));
    },
  });
}

type SalesforceOAuthApp = CrmOAuthApp & { loginUrl: string };

/** Salesforce's side of the OAuth web-server flow, for src/usecases/crm-oauth.ts's callback and disconnect. */
export const salesforceOAuthProvider: OAuthProvider = {
  id: 'salesforce',
  label: 'Salesforce',
  app: (config: Config): SalesforceOAuthApp | undefined => {
    const sf = config.crm.salesforce;
    return sf.clientId && sf.clientSecret && sf.redirectUri
      ? {
          clientId: sf.clientId,
          clientSecret: sf.clientSecret,
          redirectUri: sf.redirectUri,
          scopes: ['api', 'refresh_token'],
          optionalScopes: [],
          loginUrl: sf.loginUrl,
        }
      : undefined;
  },
  authorizeUrl: (a, state) => {
    const o = a as SalesforceOAuthApp;
    return authorizeUrl({ ...o, jwtPrivateKey: undefined }, state);
  },
  async connect(deps, { teamId, userId, code }) {
    const r = await connectSalesforce(deps, { teamId, userId, code });
    return new URL(r.instanceUrl).host;
  },
  async revoke(deps, creds) {
    if (creds.kind === 'token') return 'not-revocable';
    await revokeToken(deps.config.crm.salesforce, revocable(creds));
    return 'revoked';
  },
  manualRevoke: 'Salesforce Setup → Connected Apps OAuth Usage',
};
