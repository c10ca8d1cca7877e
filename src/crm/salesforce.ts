/**
 * Salesforce through its official SDK (@jsforce/jsforce-node), and nothing else: the OAuth 2.0 grants
 * (web-server authorization code, refresh token, JWT bearer signed here with node:crypto RS256),
 * revocation, describe and SOQL paging, with Salesforce's refusals as AppErrors. jsforce retries a 5xx
 * or 429 itself and, given a refresh function, refreshes the session once on a 401 INVALID_SESSION_ID and
 * repeats the request. The login URL is configurable, so tests aim the real SDK at a local fake
 * (test/fakes/salesforce.ts).
 */
import { createSign } from 'node:crypto';
import { stringify } from 'node:querystring';
import type { Connection } from '@jsforce/jsforce-node';
import { AppError, ErrorCode } from '../errors.ts';

/** REST API version every call uses (Winter '25). */
export const SALESFORCE_API_VERSION = '62.0';

/** What the connected app and the login host are. */
export interface SalesforceApp {
  loginUrl: string;
  clientId: string | undefined;
  clientSecret: string | undefined;
  redirectUri: string | undefined;
  jwtPrivateKey: string | undefined;
}

/** The token endpoint's answer, as the sync keeps it. */
export interface SalesforceToken {
  accessToken: string;
  refreshToken: string | null;
  instanceUrl: string;
  /** Space-separated scopes granted (absent for JWT bearer). */
  scopes: string[];
  /** The identity URL: https://login.salesforce.com/id/<org id>/<user id>. */
  identity: string | null;
  issuedAt: Date;
}

interface TokenBody {
  access_token: string;
  refresh_token?: string;
  instance_url: string;
  id?: string;
  scope?: string;
  issued_at?: string;
}

const toToken = (r: TokenBody): SalesforceToken => ({
  accessToken: r.access_token,
  refreshToken: r.refresh_token ?? null,
  instanceUrl: r.instance_url,
  scopes: (r.scope ?? '').split(/\s+/).filter(Boolean),
  identity: r.id ?? null,
  issuedAt: r.issued_at && /^\d+$/.test(r.issued_at) ? new Date(Number(r.issued_at)) : new Date(),
});

/** An OAuth error from the token endpoint (jsforce names the Error by the `error` code). */
function oauthFailure(err: unknown, what: string): never {
  const e = err as { name?: string; message?: string };
  const code = e?.name ?? '';
  if (code === 'invalid_grant' || code === 'invalid_client_id' || code === 'invalid_client') {
    throw new AppError(
      ErrorCode.CrmRefused,
      `Salesforce refused ${what} (${code}: ${e.message ?? 'no reason given'}): ${
        what.includes('refresh')
          ? 'the connection was revoked or expired in Salesforce; connect again.'
          : 'check the connected app’s consumer key, its certificate or callback URL, and that the user is pre-authorized, then connect again.'
      }`,
      { cause: err },
    );
  }
  if (/^ERROR_HTTP_5/.test(code) || /ECONNREFUSED|ENOTFOUND|ETIMEDOUT/.test(String(e?.message))) {
    throw new AppError(
      ErrorCode.CrmRefused,
      `Salesforce’s login service did not answer ${what} (${code || e.message}): try again in a few minutes.`,
      { cause: err },
    );
  }
  throw err;
}

/**
 * jsforce, loaded when Salesforce is first used: importing it costs ~300 ms and ~38 MB, which a bot with
 * no Salesforce connection (most of them) should not pay at start-up.
 */
const jsforce = () => import('@jsforce/jsforce-node');

const oauth2 = async (app: SalesforceApp, withClient: boolean) =>
  new (await jsforce()).OAuth2({
    loginUrl: app.loginUrl,
    ...(withClient && app.clientId ? { clientId: app.clientId } : {}),
    ...(withClient && app.clientSecret ? { clientSecret: app.clientSecret } : {}),
    ...(withClient && app.redirectUri ? { redirectUri: app.redirectUri } : {}),
  });

/**
 * The page the owner opens to allow access (web-server flow): read access plus a refresh token. Built as
 * jsforce's OAuth2.getAuthorizationUrl builds it, without loading jsforce (App Home signs one per open).
 */
export function authorizeUrl(app: SalesforceApp, state?: string): string {
  const base = `${app.loginUrl}${app.loginUrl.endsWith('/') ? '' : '/'}services/oauth2/authorize`;
  return `${base}?${stringify({
    scope: 'api refresh_token',
    ...(state ? { state } : {}),
    response_type: 'code',
    client_id: app.clientId,
    redirect_uri: app.redirectUri,
  })}`;
}

/** Exchanges the authorization code for tokens (web-server flow). */
export async function exchangeCode(app: SalesforceApp, code: string): Promise<SalesforceToken> {
  try {
    return toToken((await (await oauth2(app, true)).requestToken(code)) as TokenBody);
  } catch (err) {
    return oauthFailure(err, 'the authorization code');
  }
}

/** A new access token from the refresh token. */
export async function refreshAccess(app: SalesforceApp, refreshToken: string): Promise<SalesforceToken> {
  try {
    return toToken((await (await oauth2(app, true)).refreshToken(refreshToken)) as TokenBody);
  } catch (err) {
    return oauthFailure(err, 'the refresh token');
  }
}

/** The JWT bearer assertion: iss = consumer key, sub = username, aud = login host, 3 minutes, RS256. */
export function jwtAssertion(app: SalesforceApp, username: string, now = Date.now()): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part({ alg: 'RS256' })}.${part({
    iss: app.clientId,
    sub: username,
    aud: app.loginUrl,
    exp: Math.floor(now / 1000) + 180,
  })}`;
  const signature = createSign('RSA-SHA256')
    .update(body)
    .sign(app.jwtPrivateKey ?? '', 'base64url');
  return `${body}.${signature}`;
}

/** A new access token for `username` from a signed assertion (JWT bearer flow: no refresh token). */
export async function mintJwt(app: SalesforceApp, username: string): Promise<SalesforceToken> {
  try {
    const r = await (await oauth2(app, false)).requestToken({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: jwtAssertion(app, username),
    });
    return toToken(r as TokenBody);
  } catch (err) {
    return oauthFailure(err, 'the signed JWT');
  }
}

/** Revokes a token (a refresh token revokes its access tokens too). Throws when Salesforce refused. */
export async function revokeToken(app: SalesforceApp, token: string): Promise<void> {
  await (await oauth2(app, false)).revokeToken(token);
}

export interface SalesforceField {
  name: string;
  label: string;
  type: string;
  custom: boolean;
  /** Whether the user may edit it (field-level security and the field itself). */
  updateable?: boolean;
}

/** An opportunity stage as the OpportunityStage object describes it (StageName holds its ApiName). */
export interface SalesforceStage {
  apiName: string;
  label: string;
  isClosed: boolean;
  isWon: boolean;
}

/** A SOQL result page as the REST API returns it. */
export interface SoqlPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}

/** What the sync asks of an org; tests may pass another implementation. */
export interface SalesforceApi {
  /** The object's readable fields, or null when the user cannot see the object at all. */
  describe(object: string): Promise<{ queryable: boolean; fields: SalesforceField[] } | null>;
  /** The first page of a SOQL query (queryAll: deleted and merged records too). */
  query(soql: string, opts?: { all?: boolean }): Promise<SoqlPage>;
  /** The next page, from the previous page's nextRecordsUrl. */
  queryMore(nextRecordsUrl: string): Promise<SoqlPage>;
  /** The org's active opportunity stages in their order, or null when the user cannot read them. */
  stages(): Promise<SalesforceStage[] | null>;
  /** How many records a `SELECT COUNT() FROM …` query counts. */
  count(soql: string): Promise<number>;
  /**
   * A Bulk API 2.0 query job's records (values as the CSV holds them: text, '' for none), or null when
   * the job did not complete within BULK_POLL_TIMEOUT_MS (the caller then pages with the REST API).
   */
  bulkQuery(soql: string): Promise<AsyncIterable<Record<string, string>> | null>;
  /**
   * Updates at most 200 records in one sObject Collections call with allOrNone false
   * (PATCH /composite/sobjects): one result per record, in order, its refusals in `errors`.
   */
  update(object: string, records: readonly ({ Id: string } & Record<string, unknown>)[]): Promise<SaveResult[]>;
}

/** One record's outcome in an sObject Collections call (resources_composite_sobjects_collections_update.htm). */
export interface SaveResult {
  id?: string;
  success: boolean;
  errors: { statusCode?: string; errorCode?: string; message: string; fields?: string[] }[];
}

/** How long a Bulk API 2.0 query job may take before the sync pages with the REST API instead. */
export const BULK_POLL_TIMEOUT_MS = 5 * 60_000;

/** Salesforce's refusals of a data call as the sentences users see; anything else is rethrown. */
export function salesforceFailure(err: unknown): never {
  if (err instanceof AppError) throw err;
  const e = err as { errorCode?: string; name?: string; message?: string };
  const code = e?.errorCode ?? e?.name ?? '';
  if (code === 'INVALID_SESSION_ID' || /Unable to refresh session/.test(String(e?.message))) {
    throw new AppError(
      ErrorCode.CrmRefused,
      'Salesforce refused the session even after a refresh (revoked, or the user lost API access): run `icp connect salesforce` again.',
      { cause: err },
    );
  }
  if (code === 'INSUFFICIENT_ACCESS' || code === 'INSUFFICIENT_ACCESS_OR_READONLY' || code === 'API_DISABLED_FOR_ORG') {
    throw new AppError(
      ErrorCode.CrmRefused,
      `Salesforce refused the request (${code}): the connected user needs the “API Enabled” permission and Read on Account and Opportunity.`,
      { cause: err },
    );
  }
  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    throw new AppError(
      ErrorCode.CrmRefused,
      'Salesforce says the org used up its daily API requests: the sync stopped and resumes from the same point next time.',
      { cause: err },
    );
  }
  // A 5xx after jsforce's own retries: its body's code (SERVER_UNAVAILABLE, UNKNOWN_EXCEPTION) or none.
  if (/^ERROR_HTTP_5/.test(code) || code === 'SERVER_UNAVAILABLE' || code === 'UNKNOWN_EXCEPTION') {
    throw new AppError(
      ErrorCode.CrmRefused,
      `Salesforce kept failing (${code}) after every retry: the sync stopped and resumes from the same point next time.`,
      { cause: err },
    );
  }
  throw err;
}

export interface SalesforceSession {
  accessToken: string;
  instanceUrl: string;
}

export interface SalesforceApiOptions {
  /** The session to send now (asked before every call, so one about to expire is refreshed first). */
  session: () => Promise<SalesforceSession>;
  /** Called when Salesforce answers 401: a new session, or throws. */
  refresh: () => Promise<SalesforceSession>;
  /** How a Bulk API 2.0 job is polled (default every 2 s for BULK_POLL_TIMEOUT_MS). */
  bulkPoll?: { intervalMs: number; timeoutMs: number };
}

const unseen = (err: unknown) => {
  const code = (err as { errorCode?: string }).errorCode;
  return code === 'NOT_FOUND' || code === 'INVALID_TYPE';
};

/** The jsforce Connection behind SalesforceApi. */
export function salesforceApi(opts: SalesforceApiOptions): SalesforceApi {
  // jsforce wraps a failed refresh in a plain Error; the refresh's own sentence is kept to be rethrown.
  let refreshFailure: unknown;
  // Made at the first call (jsforce is loaded then); every use of it below is inside call().
  let conn!: Connection;
  const connect = async () =>
    new (await jsforce()).Connection({
      version: SALESFORCE_API_VERSION,
      refreshFn: (c, callback) => {
        opts.refresh().then(
          (t) => {
            c.instanceUrl = t.instanceUrl;
            callback(null, t.accessToken);
          },
          (err: Error) => {
            refreshFailure = err;
            callback(err);
          },
        );
      },
    });
  let made: Promise<Connection> | undefined;
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      made ??= connect();
      conn = await made;
      const s = await opts.session();
      conn.accessToken = s.accessToken;
      conn.instanceUrl = s.instanceUrl;
      return await fn();
    } catch (err) {
      if (refreshFailure instanceof AppError && /Unable to refresh session/.test(String(err))) throw refreshFailure;
      return salesforceFailure(err);
    }
  };
  return {
    describe: (object) =>
      call(async () => {
        try {
          const d = await conn.describe(object);
          return {
            queryable: d.queryable,
            fields: d.fields.map((f) => ({
              name: f.name,
              label: f.label,
              type: f.type,
              custom: f.custom,
              updateable: f.updateable,
            })),
          };
        } catch (err) {
          // An object the user cannot see answers 404 NOT_FOUND (or INVALID_TYPE), as if it did not exist.
          if (unseen(err)) return null;
          throw err;
        }
      }),
    stages: () =>
      call(async () => {
        try {
          // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitystage.htm
          const r = (await conn.query(
            'SELECT ApiName, MasterLabel, IsClosed, IsWon FROM OpportunityStage WHERE IsActive = true ORDER BY SortOrder',
            { autoFetch: false },
          )) as unknown as SoqlPage;
          return r.records.map((s) => ({
            apiName: String(s.ApiName),
            label: String(s.MasterLabel),
            isClosed: s.IsClosed === true,
            isWon: s.IsWon === true,
          }));
        } catch (err) {
          if (unseen(err)) return null;
          throw err;
        }
      }),
    query: (soql, o = {}) =>
      call(async () => (await conn.query(soql, { autoFetch: false, scanAll: o.all === true })) as unknown as SoqlPage),
    queryMore: (url) => call(async () => (await conn.queryMore(url)) as unknown as SoqlPage),
    count: (soql) =>
      call(async () => ((await conn.query(soql, { autoFetch: false })) as unknown as SoqlPage).totalSize),
    update: (object, records) =>
      call(async () => {
        if (records.length === 0) return [];
        const r = await conn.sobject(object).update(records as { Id: string }[], { allOrNone: false });
        return (Array.isArray(r) ? r : [r]) as unknown as SaveResult[];
      }),
    bulkQuery: (soql) =>
      call(async () => {
        try {
          // https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/queries.htm: a query
          // job (no ORDER BY: it would turn PK chunking off), polled until JobComplete, results as CSV pages.
          const poll = opts.bulkPoll ?? { intervalMs: 2000, timeoutMs: BULK_POLL_TIMEOUT_MS };
          const stream = await conn.bulk2.query(soql, { pollInterval: poll.intervalMs, pollTimeout: poll.timeoutMs });
          return stream as unknown as AsyncIterable<Record<string, string>>;
        } catch (err) {
          const e = err as { name?: string; jobId?: string };
          if (e.name !== 'JobPollingTimeout') throw err;
          // Not waited for any longer: aborted, so it uses no more of the org's Bulk API limits.
          if (e.jobId)
            await conn.bulk2
              .job('query', { id: e.jobId })
              .abort()
              .catch(() => undefined);
          return null;
        }
      }),
  };
}
