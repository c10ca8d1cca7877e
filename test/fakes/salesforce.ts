/**
 * A local fake of Salesforce on 127.0.0.1 — its login host (OAuth 2.0 token and revoke endpoints) and
 * an org's instance (REST API describe, SOQL query/queryAll, Bulk API 2.0 query jobs and sObject
 * Collections updates) on one port — for the real
 * @jsforce/jsforce-node pointed at it with SALESFORCE_LOGIN_URL. Every answer is shaped as Salesforce's
 * public references document it (the reference URL is beside each handler). It records every request,
 * pages query results by nextRecordsUrl, and fails on demand: 401 INVALID_SESSION_ID for an expired
 * session, 5xx.
 */
import { createVerify, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeSObject = 'Account' | 'Opportunity';

export interface FakeSfRecord {
  Id: string;
  IsDeleted: boolean;
  SystemModstamp: string;
  MasterRecordId?: string | null;
  [field: string]: unknown;
}

export interface FakeSfRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  status: number;
}

/** A describe field; `custom` is true for the org's own `__c` fields; `updateable` false: the user cannot edit it. */
export interface FakeSfField {
  name: string;
  type: string;
  custom?: boolean;
  updateable?: boolean;
  /** A text field's length (an update with a longer value is refused STRING_TOO_LONG). */
  length?: number;
}

export interface FakeSalesforce {
  url: string;
  /** The connected app: its consumer key and secret, and the certificate's public key (JWT bearer). */
  app: { clientId: string; clientSecret: string; redirectUri: string; jwtPublicKey: string };
  /** Users who may log in (JWT `sub`), each hiding the objects or `Object.Field`s it cannot read. */
  users: Map<string, { userId: string; cannotRead: Set<string> }>;
  /** Fields describe lists per object (before the user's own hiding). */
  fields: Record<FakeSObject, FakeSfField[]>;
  /** The org's opportunity stages (OpportunityStage records), in their order. */
  stages: { ApiName: string; MasterLabel: string; IsClosed: boolean; IsWon: boolean; IsActive: boolean }[];
  /** The state a Bulk API 2.0 query job reports when polled (JobComplete; InProgress keeps it running). */
  bulkState: { value: 'JobComplete' | 'InProgress' };
  /** Records one page of a Bulk API 2.0 job's results holds at most (its `maxRecords`). */
  bulkResultsPage: { value: number };
  /** Records a query page holds at most (Salesforce: up to 2,000; fewer "based on the size of records"). */
  batchSize: { value: number };
  /** An authorization code the owner's browser would bring back, for `username`. */
  issueCode(username: string): string;
  upsert(object: FakeSObject, id: string, fields: Record<string, unknown>, at: Date): void;
  /** Deletes a record into the recycle bin (IsDeleted = true, seen by queryAll only). */
  remove(object: FakeSObject, id: string, at: Date): void;
  /** Merges Account `mergedId` into `masterId`: the merged one is deleted with MasterRecordId set, its opportunities reparented. */
  merge(masterId: string, mergedId: string, at: Date): void;
  /** Every access token issued so far answers 401 INVALID_SESSION_ID from now on. */
  expireSessions(): void;
  /** The next `times` requests whose path contains `pathPart` answer `status` (with `errorCode`, default SERVER_UNAVAILABLE). */
  fail(pathPart: string, status: number, times?: number, errorCode?: string): void;
  /** Records an update refuses (a validation rule, a lock): id → the error Salesforce answers for it. */
  refuseUpdate: Map<string, { statusCode: string; message: string; fields?: string[] }>;
  /** A record as stored now. */
  record(object: FakeSObject, id: string): FakeSfRecord | undefined;
  /** Tokens revoked through /services/oauth2/revoke. */
  revoked: Set<string>;
  requests(pathPart?: string): FakeSfRequest[];
  close(): Promise<void>;
}

const VERSION_PATH = /^\/services\/data\/v(\d+\.\d+)/;

const json = (res: ServerResponse, status: number, body: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
  res.end(JSON.stringify(body));
};

/** Salesforce writes datetimes as 2024-01-10T12:00:00.000+0000. */
export const sfTime = (d: Date) => d.toISOString().replace('Z', '+0000');

export async function startFakeSalesforce(opts: { jwtPublicKey: string }): Promise<FakeSalesforce> {
  const store: Record<FakeSObject, Map<string, FakeSfRecord>> = { Account: new Map(), Opportunity: new Map() };
  const users: FakeSalesforce['users'] = new Map();
  const fields: FakeSalesforce['fields'] = { Account: [], Opportunity: [] };
  const sessions = new Map<string, string>(); // access token → username
  const refreshTokens = new Map<string, string>(); // refresh token → username
  const codes = new Map<string, string>();
  const expired = new Set<string>();
  const revoked = new Set<string>();
  const cursors = new Map<string, { rows: Record<string, unknown>[]; offset: number }>();
  const failures: { pathPart: string; status: number; times: number; errorCode?: string | undefined }[] = [];
  const log: FakeSfRequest[] = [];
  const batchSize = { value: 2000 };
  const stages: FakeSalesforce['stages'] = [];
  const bulkResultsPage = { value: 50_000 };
  const bulkState: FakeSalesforce['bulkState'] = { value: 'JobComplete' };
  const refuseUpdate: FakeSalesforce['refuseUpdate'] = new Map();
  const jobs = new Map<string, { info: Record<string, unknown>; rows: Record<string, unknown>[]; select: string[] }>();
  const app = {
    clientId: '3MVG9fakeConsumerKey',
    clientSecret: 'fake-consumer-secret',
    redirectUri: '',
    jwtPublicKey: opts.jwtPublicKey,
  };
  let url = '';
  const orgId = '00D5g000000FAKEEAA';

  const newToken = (username: string) => {
    const t = `${orgId}!AQ${randomBytes(24).toString('base64url')}`;
    sessions.set(t, username);
    return t;
  };
  const identity = (username: string) => `${url}/id/${orgId}/${users.get(username)?.userId ?? '005000000000000AAA'}`;

  // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_endpoints.htm — token error body.
  const oauthError = (res: ServerResponse, error: string, description: string) => {
    json(res, 400, { error, error_description: description });
    return 400;
  };

  function tokenEndpoint(res: ServerResponse, form: URLSearchParams): number {
    const grant = form.get('grant_type');
    const issuedAt = String(Date.now());
    if (grant === 'authorization_code') {
      // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm (step: request an access token).
      if (form.get('client_id') !== app.clientId || form.get('client_secret') !== app.clientSecret) {
        return oauthError(res, 'invalid_client', 'invalid client credentials');
      }
      if (form.get('redirect_uri') !== app.redirectUri)
        return oauthError(res, 'redirect_uri_mismatch', 'redirect_uri must match configuration');
      const username = codes.get(form.get('code') ?? '');
      if (!username) return oauthError(res, 'invalid_grant', 'invalid authorization code');
      codes.delete(form.get('code') ?? '');
      const refresh = `5Aep861${randomBytes(30).toString('base64url')}`;
      refreshTokens.set(refresh, username);
      json(res, 200, {
        access_token: newToken(username),
        refresh_token: refresh,
        signature: randomBytes(32).toString('base64'),
        scope: 'refresh_token api',
        instance_url: url,
        id: identity(username),
        token_type: 'Bearer',
        issued_at: issuedAt,
      });
      return 200;
    }
    if (grant === 'refresh_token') {
      // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_refresh_token_flow.htm: no new refresh token.
      if (form.get('client_id') !== app.clientId)
        return oauthError(res, 'invalid_client_id', 'client identifier invalid');
      const username = refreshTokens.get(form.get('refresh_token') ?? '');
      if (!username || revoked.has(form.get('refresh_token') ?? '')) {
        return oauthError(res, 'invalid_grant', 'expired access/refresh token');
      }
      json(res, 200, {
        access_token: newToken(username),
        signature: randomBytes(32).toString('base64'),
        scope: 'refresh_token api',
        instance_url: url,
        id: identity(username),
        token_type: 'Bearer',
        issued_at: issuedAt,
      });
      return 200;
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_jwt_flow.htm: RS256, iss/sub/aud/exp.
      const [h, p, sig] = (form.get('assertion') ?? '').split('.');
      if (!h || !p || !sig) return oauthError(res, 'invalid_grant', 'invalid assertion');
      const ok = createVerify('RSA-SHA256').update(`${h}.${p}`).verify(app.jwtPublicKey, sig, 'base64url');
      const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { alg?: string };
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as {
        iss?: string;
        sub?: string;
        aud?: string;
        exp?: number;
      };
      if (!ok || header.alg !== 'RS256') return oauthError(res, 'invalid_grant', 'invalid assertion');
      if (claims.iss !== app.clientId) return oauthError(res, 'invalid_client_id', 'client identifier invalid');
      if (claims.aud !== url) return oauthError(res, 'invalid_grant', 'audience is invalid');
      if (!claims.exp || claims.exp * 1000 < Date.now())
        return oauthError(res, 'invalid_grant', 'expired authorization code');
      if (!claims.sub || !users.has(claims.sub))
        return oauthError(res, 'invalid_grant', "user hasn't approved this consumer");
      json(res, 200, {
        access_token: newToken(claims.sub),
        scope: 'api',
        instance_url: url,
        id: identity(claims.sub),
        token_type: 'Bearer',
      });
      return 200;
    }
    return oauthError(res, 'unsupported_grant_type', 'grant type not supported');
  }

  const visible = (username: string, object: FakeSObject) =>
    fields[object].filter((f) => !users.get(username)?.cannotRead.has(`${object}.${f.name}`));

  /** A SELECT … FROM … [WHERE a AND b] [ORDER BY …] as the fake understands it. */
  function runSoql(soql: string, all: boolean, username: string) {
    const m = /^SELECT (.+?) FROM (\w+)(?: WHERE (.+?))?(?: ORDER BY (.+))?$/i.exec(soql.trim());
    if (!m) throw new Error(`unparsed SOQL: ${soql}`);
    if (m[2] === 'OpportunityStage') {
      // https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_opportunitystage.htm
      if (users.get(username)?.cannotRead.has('OpportunityStage')) return { error: m[1]!, object: 'OpportunityStage' };
      const select = m[1]!.split(',').map((f) => f.trim());
      return {
        object: 'OpportunityStage',
        rows: stages
          .filter((st) => !/IsActive = true/.test(m[3] ?? '') || st.IsActive)
          .map((st, i) => ({
            attributes: {
              type: 'OpportunityStage',
              url: `/services/data/v${VERSION}/sobjects/OpportunityStage/01J${i}`,
            },
            ...Object.fromEntries(select.map((f) => [f, (st as Record<string, unknown>)[f] ?? null])),
          })),
      };
    }
    const object = m[2] as FakeSObject;
    const select = m[1]!.split(',').map((s) => s.trim());
    const readable = new Set([
      'Id',
      'IsDeleted',
      'SystemModstamp',
      'MasterRecordId',
      ...visible(username, object).map((f) => f.name),
    ]);
    const unknown = select.find((f) => !readable.has(f));
    if (unknown) return { error: unknown, object };
    const conds = (m[3] ?? '').split(/ AND /i).filter(Boolean);
    let rows = [...store[object].values()].filter((r) => all || !r.IsDeleted);
    for (const c of conds) {
      let cm = /^SystemModstamp > (\S+)$/.exec(c);
      if (cm) {
        const t = Date.parse(cm[1]!);
        rows = rows.filter((r) => Date.parse(r.SystemModstamp.replace('+0000', 'Z')) > t);
        continue;
      }
      cm = /^IsDeleted = (true|false)$/i.exec(c);
      if (cm) {
        rows = rows.filter((r) => r.IsDeleted === (cm![1]!.toLowerCase() === 'true'));
        continue;
      }
      throw new Error(`unsupported condition: ${c}`);
    }
    rows.sort((a, b) => a.SystemModstamp.localeCompare(b.SystemModstamp) || a.Id.localeCompare(b.Id));
    return {
      object,
      rows: rows.map((r) => ({
        attributes: { type: object, url: `/services/data/v${VERSION}/sobjects/${object}/${r.Id}` },
        ...Object.fromEntries(select.map((f) => [f, r[f] ?? null])),
      })),
    };
  }

  // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm (and
  // resources_queryall.htm, resources_query_more_results.htm): totalSize, done, nextRecordsUrl, records.
  function queryPage(res: ServerResponse, locator: string) {
    const c = cursors.get(locator)!;
    const records = c.rows.slice(c.offset, c.offset + batchSize.value);
    const next = c.offset + records.length;
    const done = next >= c.rows.length;
    let nextRecordsUrl: string | undefined;
    if (!done) {
      const id = `${locator.split('-')[0]}-${next}`;
      cursors.set(id, { rows: c.rows, offset: next });
      // "Although the nextRecordsUrl has query in the URL, it still provides remaining results from the initial QueryAll request."
      nextRecordsUrl = `/services/data/v${VERSION}/query/${id}`;
    }
    json(res, 200, { totalSize: c.rows.length, done, ...(nextRecordsUrl ? { nextRecordsUrl } : {}), records });
    return 200;
  }

  const csvCell = (v: unknown) => (v === null || v === undefined ? '' : `"${String(v).replace(/"/g, '""')}"`);

  // Bulk API 2.0 query jobs: https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/query_create_job.htm,
  // query_get_one_job.htm, query_get_job_results.htm (CSV; Sforce-Locator "null" on the last page).
  function bulkJob(
    req: IncomingMessage,
    res: ServerResponse,
    u: URL,
    body: string,
    username: string,
    id: string | undefined,
    results: boolean,
  ): number {
    if (req.method === 'POST' && !id) {
      const b = JSON.parse(body) as { operation: string; query: string };
      const r = runSoql(b.query, b.operation === 'queryAll', username);
      if ('error' in r) {
        json(res, 400, [{ errorCode: 'INVALIDJOB', message: `No such column '${r.error}' on entity '${r.object}'.` }]);
        return 400;
      }
      const jobId = `750${randomBytes(6).toString('hex').slice(0, 12)}AAA`;
      const now = new Date().toISOString().replace('Z', '+0000');
      const info = {
        id: jobId,
        operation: b.operation,
        object: r.object,
        createdById: users.get(username)?.userId,
        createdDate: now,
        systemModstamp: now,
        state: 'UploadComplete',
        concurrencyMode: 'Parallel',
        contentType: 'CSV',
        apiVersion: Number(VERSION),
        lineEnding: 'LF',
        columnDelimiter: 'COMMA',
      };
      const select = /^SELECT (.+?) FROM /i
        .exec(b.query)![1]!
        .split(',')
        .map((f) => f.trim());
      jobs.set(jobId, { info, rows: r.rows!, select });
      json(res, 200, info);
      return 200;
    }
    const job = id ? jobs.get(id) : undefined;
    if (!job) {
      json(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      return 404;
    }
    if (req.method === 'GET' && !results) {
      json(res, 200, {
        ...job.info,
        state: bulkState.value,
        numberRecordsProcessed: job.rows.length,
        retries: 0,
        totalProcessingTime: 42,
      });
      return 200;
    }
    if (req.method === 'GET' && results) {
      const start = Number(u.searchParams.get('locator') ?? 0);
      const max = Math.min(Number(u.searchParams.get('maxRecords') ?? bulkResultsPage.value), bulkResultsPage.value);
      const page = job.rows.slice(start, start + max);
      const next = start + page.length < job.rows.length ? String(start + page.length) : 'null';
      const lines = [
        job.select.map((f) => `"${f}"`).join(','),
        // Bulk results write datetimes in UTC with a Z.
        ...page.map((row) =>
          job.select
            .map((f) => csvCell(f === 'SystemModstamp' ? String(row[f]).replace('+0000', 'Z') : row[f]))
            .join(','),
        ),
      ];
      res.writeHead(200, {
        'content-type': 'text/csv',
        'sforce-locator': next,
        'sforce-numberofrecords': String(page.length),
      });
      res.end(`${lines.join('\n')}\n`);
      return 200;
    }
    if (req.method === 'PATCH' && !results) {
      // query_abort_job.htm: {"state": "Aborted"} answers the job's info in that state.
      job.info = { ...job.info, state: (JSON.parse(body) as { state: string }).state };
      json(res, 200, job.info);
      return 200;
    }
    if (req.method === 'DELETE') {
      jobs.delete(id!);
      res.writeHead(204);
      res.end();
      return 204;
    }
    json(res, 405, [{ errorCode: 'METHOD_NOT_ALLOWED', message: `${req.method} not allowed` }]);
    return 405;
  }

  // sObject Collections update: https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_composite_sobjects_collections_update.htm
  // Up to 200 records; with allOrNone false each record succeeds or fails alone, and the answer is one
  // SaveResult per record in the order sent ({ id, success, errors: [{ statusCode, message, fields }] }).
  function collectionsUpdate(res: ServerResponse, body: string, username: string): number {
    const b = JSON.parse(body) as {
      allOrNone?: boolean;
      records: ({ id?: string; attributes?: { type?: string } } & Record<string, unknown>)[];
    };
    if (b.records.length > 200) {
      // errorcodes.htm: EXCEEDED_ID_LIMIT for a collection over 200 records.
      json(res, 400, [
        {
          message: 'record limit reached. cannot submit more than 200 records into this call',
          errorCode: 'EXCEEDED_ID_LIMIT',
        },
      ]);
      return 400;
    }
    const refusal = (statusCode: string, message: string, f: string[] = []) => ({
      success: false,
      errors: [{ statusCode, message, fields: f }],
    });
    const results = b.records.map((rec) => {
      const { id, attributes, ...values } = rec;
      const object = attributes?.type as FakeSObject;
      const stored = id && object in store ? store[object].get(id) : undefined;
      if (!stored || stored.IsDeleted) return { id, ...refusal('ENTITY_IS_DELETED', 'entity is deleted') };
      const defs = new Map(visible(username, object).map((f) => [f.name, f]));
      for (const [name, value] of Object.entries(values)) {
        const def = defs.get(name);
        if (!def) {
          return { id, ...refusal('INVALID_FIELD', `No such column '${name}' on sobject of type ${object}`, [name]) };
        }
        if (def.updateable === false) {
          return {
            id,
            ...refusal(
              'INVALID_FIELD_FOR_INSERT_UPDATE',
              `Unable to create/update fields: ${name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
              [name],
            ),
          };
        }
        if (def.length && typeof value === 'string' && value.length > def.length) {
          return {
            id,
            ...refusal(
              'STRING_TOO_LONG',
              `${name}: data value too large: ${value.slice(0, 20)}... (max length=${def.length})`,
              [name],
            ),
          };
        }
      }
      const refused = refuseUpdate.get(id!);
      if (refused) return { id, ...refusal(refused.statusCode, refused.message, refused.fields) };
      Object.assign(stored, values, { SystemModstamp: sfTime(new Date()) });
      return { id, success: true, errors: [] };
    });
    json(res, 200, results);
    return 200;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, body: string, u: URL): Promise<number> {
    const path = u.pathname;
    const failure = failures.find((f) => f.times > 0 && path.includes(f.pathPart));
    if (failure) {
      failure.times--;
      // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm (500/503: server error).
      // 403 INSUFFICIENT_ACCESS: "insufficient access rights on object id" (same page).
      json(res, failure.status, [
        failure.errorCode === 'INSUFFICIENT_ACCESS'
          ? { message: 'insufficient access rights on object id', errorCode: 'INSUFFICIENT_ACCESS' }
          : {
              message: 'An unexpected error occurred. Please try again later.',
              errorCode: failure.errorCode ?? 'SERVER_UNAVAILABLE',
            },
      ]);
      return failure.status;
    }
    if (req.method === 'POST' && path === '/services/oauth2/token')
      return tokenEndpoint(res, new URLSearchParams(body));
    if (req.method === 'POST' && path === '/services/oauth2/revoke') {
      // https://help.salesforce.com/s/articleView?id=sf.remoteaccess_revoke_token.htm: 200, or 400 invalid_token.
      const token = new URLSearchParams(body).get('token') ?? '';
      if (!sessions.has(token) && !refreshTokens.has(token)) {
        res.writeHead(400, { 'content-type': 'application/x-www-form-urlencoded' });
        res.end('error=invalid_token&error_description=invalid+token');
        return 400;
      }
      revoked.add(token);
      const username = refreshTokens.get(token);
      if (username) for (const [t, u2] of sessions) if (u2 === username) revoked.add(t);
      res.writeHead(200);
      res.end();
      return 200;
    }
    const v = VERSION_PATH.exec(path);
    if (!v) {
      json(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      return 404;
    }
    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    const username = sessions.get(token);
    if (!username || expired.has(token) || revoked.has(token)) {
      // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm (401).
      json(res, 401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      return 401;
    }
    const rest = path.slice(v[0].length);
    let m = /^\/sobjects\/(\w+)\/describe\/?$/.exec(rest);
    if (m && req.method === 'GET') {
      const object = m[1] as FakeSObject;
      if (!(object in store) || users.get(username)?.cannotRead.has(object)) {
        // An object the user has no access to is answered as if it did not exist.
        json(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
        return 404;
      }
      // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm
      // (DescribeSObjectResult, fields as in https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_describesobjects_describesobjectresult.htm).
      const own = ['Id', 'IsDeleted', 'SystemModstamp', ...(object === 'Account' ? ['MasterRecordId'] : [])];
      const listed = [
        ...own
          .filter((n) => !users.get(username)?.cannotRead.has(`${object}.${n}`))
          .map((name) => ({
            name,
            type:
              name === 'Id'
                ? 'id'
                : name === 'IsDeleted'
                  ? 'boolean'
                  : name === 'SystemModstamp'
                    ? 'datetime'
                    : 'reference',
            custom: false,
            updateable: false,
          })),
        ...visible(username, object),
      ];
      json(res, 200, {
        name: object,
        label: object,
        labelPlural: `${object}s`,
        keyPrefix: object === 'Account' ? '001' : '006',
        custom: false,
        createable: true,
        deletable: true,
        queryable: true,
        retrieveable: true,
        searchable: true,
        updateable: true,
        fields: listed.map((f) => ({
          name: f.name,
          label: f.name,
          type: f.type,
          custom: f.custom ?? false,
          updateable: f.updateable ?? true,
          nillable: f.name !== 'Id',
          length: f.type === 'string' || f.type === 'textarea' ? ('length' in f && f.length ? f.length : 255) : 0,
          soapType:
            f.type === 'id' || f.type === 'reference' ? 'tns:ID' : `xsd:${f.type === 'currency' ? 'double' : f.type}`,
        })),
        childRelationships: [],
        recordTypeInfos: [],
        urls: {
          sobject: `/services/data/v${VERSION}/sobjects/${object}`,
          describe: `/services/data/v${VERSION}/sobjects/${object}/describe`,
        },
      });
      return 200;
    }
    if (rest === '/composite/sobjects' && req.method === 'PATCH') return collectionsUpdate(res, body, username);
    m = /^\/jobs\/query(?:\/([^/]+))?(\/results)?$/.exec(rest);
    if (m) return bulkJob(req, res, u, body, username, m[1], Boolean(m[2]));
    m = /^\/(queryAll|query)(?:\/(.*))?$/.exec(rest);
    if (m && req.method === 'GET') {
      if (m[2]) {
        if (!cursors.has(m[2])) {
          json(res, 400, [{ message: 'invalid query locator', errorCode: 'INVALID_QUERY_LOCATOR' }]);
          return 400;
        }
        return queryPage(res, m[2]);
      }
      const q = u.searchParams.get('q') ?? '';
      if (/^SELECT COUNT\(\) FROM /i.test(q)) {
        // https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_count.htm:
        // COUNT() answers with totalSize and no records.
        const counted = runSoql(q.replace(/COUNT\(\)/i, 'Id'), m[1] === 'queryAll', username);
        json(res, 200, { totalSize: 'rows' in counted ? counted.rows!.length : 0, done: true, records: [] });
        return 200;
      }
      const r = runSoql(q, m[1] === 'queryAll', username);
      if ('error' in r && r.object === 'OpportunityStage') {
        // An object the user has no access to: 400 INVALID_TYPE (errorcodes.htm, as above).
        json(res, 400, [
          {
            message: `sObject type '${r.object}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name.`,
            errorCode: 'INVALID_TYPE',
          },
        ]);
        return 400;
      }
      if ('error' in r) {
        // https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/errorcodes.htm (400 INVALID_FIELD).
        json(res, 400, [
          { message: `No such column '${r.error}' on entity '${r.object}'.`, errorCode: 'INVALID_FIELD' },
        ]);
        return 400;
      }
      const locator = `01g5g00000${randomBytes(4).toString('hex')}-0`;
      cursors.set(locator, { rows: r.rows!, offset: 0 });
      return queryPage(res, locator);
    }
    json(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    return 404;
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', `http://${req.headers.host}`);
      const body = Buffer.concat(chunks).toString('utf8');
      handle(req, res, body, u)
        .then((status) => log.push({ method: req.method ?? '', path: u.pathname, query: u.searchParams, body, status }))
        .catch((err: unknown) => json(res, 500, [{ message: String(err), errorCode: 'UNKNOWN_EXCEPTION' }]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app.redirectUri = `${url}/crm/oauth/callback`;

  return {
    url,
    app,
    users,
    fields,
    batchSize,
    bulkResultsPage,
    bulkState,
    stages,
    revoked,
    refuseUpdate,
    record: (object, id) => store[object].get(id),
    issueCode(username) {
      const code = `aPrx${randomBytes(16).toString('hex')}`;
      codes.set(code, username);
      return code;
    },
    upsert(object, id, values, at) {
      const r = store[object].get(id) ?? {
        Id: id,
        IsDeleted: false,
        SystemModstamp: sfTime(at),
        CreatedDate: sfTime(at),
      };
      Object.assign(r, values, { SystemModstamp: sfTime(at) });
      store[object].set(id, r);
    },
    remove(object, id, at) {
      const r = store[object].get(id);
      if (r) Object.assign(r, { IsDeleted: true, SystemModstamp: sfTime(at) });
    },
    merge(masterId, mergedId, at) {
      const master = store.Account.get(masterId)!;
      master.SystemModstamp = sfTime(at);
      Object.assign(store.Account.get(mergedId)!, {
        IsDeleted: true,
        MasterRecordId: masterId,
        SystemModstamp: sfTime(at),
      });
      for (const o of store.Opportunity.values()) {
        if (o.AccountId === mergedId) Object.assign(o, { AccountId: masterId, SystemModstamp: sfTime(at) });
      }
    },
    expireSessions() {
      for (const t of sessions.keys()) expired.add(t);
    },
    fail(pathPart, status, times = 1, errorCode) {
      failures.push({ pathPart, status, times, errorCode });
    },
    requests(pathPart) {
      return pathPart ? log.filter((r) => r.path.includes(pathPart)) : [...log];
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const VERSION = '62.0';
