/**
 * A local fake of the HubSpot API on 127.0.0.1, for the real @hubspot/api-client pointed at it with
 * `basePath`. Every answer is shaped as HubSpot's public API reference documents it (the reference URL
 * is beside each handler). It records every request, pages with `paging.next.after`, filters search
 * requests by hs_lastmodifieddate, and fails on demand: 429 (with Retry-After), 5xx, 401 expired token.
 * As an OAuth server (v1 token API) it grants one-time codes, access tokens that expire, refresh tokens
 * that can be deleted; access tokens it granted are accepted by the CRM endpoints with their scopes.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeObject = 'companies' | 'deals';

export interface FakeRecord {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
  archivedAt?: string;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  status: number;
  /** When the request arrived (ms since the epoch). */
  at: number;
  /** The bearer token sent, if any. */
  token: string | null;
}

export interface FakePipeline {
  id: string;
  label: string;
  stages: { id: string; label: string; isClosed: boolean; probability: number }[];
}

/** HubSpot's default sales pipeline (https://knowledge.hubspot.com/deals/set-up-and-customize-your-deal-pipelines-and-deal-stages). */
export const DEFAULT_PIPELINE: FakePipeline = {
  id: 'default',
  label: 'Sales Pipeline',
  stages: [
    { id: 'appointmentscheduled', label: 'Appointment Scheduled', isClosed: false, probability: 0.2 },
    { id: 'qualifiedtobuy', label: 'Qualified To Buy', isClosed: false, probability: 0.4 },
    { id: 'presentationscheduled', label: 'Presentation Scheduled', isClosed: false, probability: 0.6 },
    { id: 'decisionmakerboughtin', label: 'Decision Maker Bought-In', isClosed: false, probability: 0.8 },
    { id: 'contractsent', label: 'Contract Sent', isClosed: false, probability: 0.9 },
    { id: 'closedwon', label: 'Closed Won', isClosed: true, probability: 1 },
    { id: 'closedlost', label: 'Closed Lost', isClosed: true, probability: 0 },
  ],
};

/** The OAuth app the fake knows (its client id, secret and redirect URL). */
export const FAKE_OAUTH_APP = {
  clientId: '4d5e6f70-aaaa-bbbb-cccc-123456789abc',
  clientSecret: 'a1b2c3d4-0000-1111-2222-333344445555',
  redirectUri: 'https://icp.example.com/crm/oauth/callback',
};

export type FakeFailure = { status: 429; kind: 'secondly' | 'ten_secondly' } | { status: 502 } | { status: 401 };

export interface FakeHubSpot {
  url: string;
  /** Tokens the fake accepts, each with its scopes. */
  tokens: Map<string, string[]>;
  properties: Record<
    FakeObject,
    {
      name: string;
      label: string;
      type: string;
      hubspotDefined: boolean;
      options?: { value: string; label: string }[];
    }[]
  >;
  /** Property groups on companies (the write-back creates one). */
  companyGroups: { name: string; label: string }[];
  /** Company records as stored (the write-back's updates land here). */
  company(id: string): FakeRecord | undefined;
  /** Deal pipelines, each stage with HubSpot's metadata (isClosed, probability). */
  pipelines: FakePipeline[];
  /** Creates or updates a record; its hs_lastmodifieddate and updatedAt become `at`. */
  upsert(object: FakeObject, id: string, properties: Record<string, string | null>, at: Date): void;
  /** Archives (deletes) a record. */
  archive(object: FakeObject, id: string, at: Date): void;
  /** Merges company `mergedId` into `survivorId` as HubSpot does: the survivor lists it in hs_merged_object_ids. */
  merge(survivorId: string, mergedId: string, at: Date): void;
  /** Two deals merged: the survivor lists the merged id in hs_merged_object_ids, the merged one is gone. */
  mergeDeals(survivorId: string, mergedId: string, at: Date): void;
  associate(dealId: string, companyId: string): void;
  /** The next `times` requests whose path contains `pathPart` fail as given. */
  fail(pathPart: string, failure: FakeFailure, times?: number): void;
  /** Results one search query may page through (HubSpot: 10,000); beyond it the fake answers 400. */
  searchLimit: { value: number };
  /** Answers 401 (expired) for `token` from now on. */
  expire(token: string): void;
  /** A one-time authorization code, as if a user of the portal allowed FAKE_OAUTH_APP `scopes`. */
  issueCode(scopes: string[]): string;
  /** Seconds each granted access token lives (HubSpot: 1800). */
  accessTokenTtl: { seconds: number };
  /** Refresh tokens granted, and whether each was deleted (revoked). */
  refreshTokens: Map<string, { scopes: string[]; deleted: boolean }>;
  requests(pathPart?: string): FakeRequest[];
  close(): Promise<void>;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json;charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
};

// Error body of every HubSpot API (https://developers.hubspot.com/docs/api/error-handling).
const errorBody = (message: string, category: string, extra: Record<string, unknown> = {}) => ({
  status: 'error',
  message,
  correlationId: randomUUID(),
  category,
  ...extra,
});

export async function startFakeHubSpot(): Promise<FakeHubSpot> {
  const tokens = new Map<string, string[]>();
  const expired = new Set<string>();
  const store: Record<FakeObject, Map<string, FakeRecord>> = { companies: new Map(), deals: new Map() };
  const dealCompany = new Map<string, string>();
  const failures: { pathPart: string; failure: FakeFailure; times: number }[] = [];
  const log: FakeRequest[] = [];
  const properties: FakeHubSpot['properties'] = { companies: [], deals: [] };
  const companyGroups: FakeHubSpot['companyGroups'] = [{ name: 'companyinformation', label: 'Company information' }];
  const pipelines: FakePipeline[] = [DEFAULT_PIPELINE];
  const searchLimit = { value: 10_000 };
  const codes = new Map<string, string[]>();
  const refreshTokens = new Map<string, { scopes: string[]; deleted: boolean }>();
  const accessTokenTtl = { seconds: 1800 };
  const accessExpiry = new Map<string, number>();
  let serial = 0;

  const view = (r: FakeRecord, names: readonly string[]) => ({
    id: r.id,
    properties: Object.fromEntries(
      ['hs_object_id', 'createdate', 'hs_lastmodifieddate', ...names].map((n) => [n, r.properties[n] ?? null]),
    ),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
    archived: r.archived,
    ...(r.archivedAt ? { archivedAt: r.archivedAt } : {}),
  });
  const page = <T>(all: T[], after: string | null, limit: number, link: string) => {
    const start = Number(after ?? 0);
    const results = all.slice(start, start + limit);
    const next = start + limit < all.length ? String(start + limit) : undefined;
    return { results, ...(next ? { paging: { next: { after: next, link: `${link}?after=${next}` } } } : {}) };
  };

  async function handle(req: IncomingMessage, res: ServerResponse, body: unknown, url: URL): Promise<number> {
    const path = url.pathname;
    const failure = failures.find((f) => f.times > 0 && path.includes(f.pathPart));
    if (failure) {
      failure.times--;
      const f = failure.failure;
      if (f.status === 429) {
        // https://developers.hubspot.com/docs/api/usage-details#rate-limits: 429 with the policy that was hit.
        const secondly = f.kind === 'secondly';
        json(
          res,
          429,
          errorBody(
            secondly ? 'You have reached your secondly limit.' : 'You have reached your ten_secondly_rolling limit.',
            'RATE_LIMITS',
            { errorType: 'RATE_LIMIT', policyName: secondly ? 'SECONDLY' : 'TEN_SECONDLY_ROLLING' },
          ),
          { 'retry-after': '1' },
        );
        return 429;
      }
      if (f.status === 502) {
        json(res, 502, errorBody('Bad Gateway', 'BAD_GATEWAY'));
        return 502;
      }
      json(res, 401, errorBody('The OAuth token used to make this call expired.', 'EXPIRED_AUTHENTICATION'));
      return 401;
    }

    // https://developers.hubspot.com/docs/api-reference/auth-oauth-v1/guide: POST /oauth/v1/token, form-encoded,
    // the authorization_code and refresh_token grants. Refusals are 400 with a status such as BAD_AUTH_CODE.
    if (req.method === 'POST' && path === '/oauth/v1/token') {
      const f = (body ?? {}) as Record<string, string | undefined>;
      const bad = (status: string, message: string) => {
        json(res, 400, { status, message, correlationId: randomUUID() });
        return 400;
      };
      if (f.client_id !== FAKE_OAUTH_APP.clientId || f.client_secret !== FAKE_OAUTH_APP.clientSecret) {
        return bad('BAD_CLIENT_ID', 'missing or unknown client id');
      }
      let scopes: string[] | undefined;
      let refresh: string;
      if (f.grant_type === 'authorization_code') {
        if (f.redirect_uri !== FAKE_OAUTH_APP.redirectUri)
          return bad('BAD_REDIRECT_URI', 'redirect_uri does not match');
        scopes = codes.get(f.code ?? '');
        if (!scopes) return bad('BAD_AUTH_CODE', 'missing or unknown auth code');
        codes.delete(f.code ?? ''); // one use
        refresh = `na1-${randomUUID()}`;
        refreshTokens.set(refresh, { scopes, deleted: false });
      } else if (f.grant_type === 'refresh_token') {
        const r = refreshTokens.get(f.refresh_token ?? '');
        if (!r || r.deleted) return bad('BAD_REFRESH_TOKEN', 'missing or unknown refresh token');
        scopes = r.scopes;
        refresh = f.refresh_token!;
      } else {
        return bad('BAD_GRANT_TYPE', 'unknown grant_type');
      }
      const access = `CJ${++serial}-${randomUUID()}`;
      tokens.set(access, scopes);
      accessExpiry.set(access, Date.now() + accessTokenTtl.seconds * 1000);
      // https://developers.hubspot.com/changelog/additional-details-returned-when-generating-oauth-access-tokens
      json(res, 200, {
        token_type: 'bearer',
        refresh_token: refresh,
        access_token: access,
        expires_in: accessTokenTtl.seconds,
        hub_id: 9876543,
        scopes,
      });
      return 200;
    }
    let o = /^\/oauth\/v1\/access-tokens\/([^/]+)$/.exec(path);
    if (o && req.method === 'GET') {
      // https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/get-oauth-token-metadata
      const t = decodeURIComponent(o[1]!);
      const scopes = tokens.get(t);
      const until = accessExpiry.get(t);
      if (!scopes || until === undefined) {
        json(res, 404, errorBody('Token not found', 'OBJECT_NOT_FOUND'));
        return 404;
      }
      json(res, 200, {
        token: t,
        user: 'owner@example.com',
        hub_domain: 'example.com',
        scopes,
        hub_id: 9876543,
        app_id: 111222,
        expires_in: Math.max(0, Math.round((until - Date.now()) / 1000)),
        user_id: 1234567,
        token_type: 'access',
      });
      return 200;
    }
    o = /^\/oauth\/v1\/refresh-tokens\/([^/]+)$/.exec(path);
    if (o && req.method === 'DELETE') {
      // https://developers.hubspot.com/docs/api-reference/auth-oauth-v1/guide ("Delete a refresh token"): 204.
      const r = refreshTokens.get(decodeURIComponent(o[1]!));
      if (!r || r.deleted) {
        json(res, 404, errorBody('Refresh token not found', 'OBJECT_NOT_FOUND'));
        return 404;
      }
      r.deleted = true;
      res.writeHead(204);
      res.end();
      return 204;
    }

    // https://developers.hubspot.com/docs/api/private-apps ("View private app access token information").
    if (req.method === 'POST' && path === '/oauth/v2/private-apps/get/access-token-info') {
      const key = (body as { tokenKey?: string } | null)?.tokenKey ?? '';
      const scopes = tokens.get(key);
      if (!scopes || expired.has(key)) {
        json(res, 401, errorBody('Authentication credentials not found.', 'INVALID_AUTHENTICATION'));
        return 401;
      }
      json(res, 200, { userId: 1234567, hubId: 9876543, appId: 111222, scopes });
      return 200;
    }

    const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (!tokens.has(token)) {
      // https://developers.hubspot.com/docs/api/error-handling (401: invalid authentication).
      json(res, 401, errorBody('Authentication credentials not found.', 'INVALID_AUTHENTICATION'));
      return 401;
    }
    if (expired.has(token) || (accessExpiry.get(token) ?? Number.POSITIVE_INFINITY) < Date.now()) {
      json(res, 401, errorBody('The OAuth token used to make this call expired.', 'EXPIRED_AUTHENTICATION'));
      return 401;
    }
    const scopes = tokens.get(token)!;
    let m = /^\/crm\/v3\/properties\/(companies|deals)$/.exec(path);
    if (m && req.method === 'GET') {
      // https://developers.hubspot.com/docs/api/crm/properties (GET /crm/v3/properties/{objectType}).
      const object = m[1] as FakeObject;
      json(res, 200, {
        results: properties[object].map((p, i) => ({
          name: p.name,
          label: p.label,
          type: p.type,
          fieldType: p.type === 'number' ? 'number' : 'text',
          description: '',
          groupName: object === 'companies' ? 'companyinformation' : 'dealinformation',
          options: (p.options ?? []).map((o, j) => ({ ...o, displayOrder: j, hidden: false })),
          displayOrder: i,
          calculated: false,
          externalOptions: false,
          hasUniqueValue: false,
          hidden: false,
          hubspotDefined: p.hubspotDefined,
          modificationMetadata: {
            archivable: !p.hubspotDefined,
            readOnlyDefinition: p.hubspotDefined,
            readOnlyValue: false,
          },
          formField: true,
          createdAt: '2020-01-01T00:00:00.000Z',
          updatedAt: '2020-01-01T00:00:00.000Z',
        })),
      });
      return 200;
    }
    if (req.method === 'GET' && path === '/crm/v3/pipelines/deals') {
      // https://developers.hubspot.com/docs/api/crm/pipelines (GET /crm/v3/pipelines/{objectType}): stage
      // metadata values are strings.
      const at = '2020-01-01T00:00:00.000Z';
      json(res, 200, {
        results: pipelines.map((p, i) => ({
          id: p.id,
          label: p.label,
          displayOrder: i,
          archived: false,
          createdAt: at,
          updatedAt: at,
          stages: p.stages.map((st, j) => ({
            id: st.id,
            label: st.label,
            displayOrder: j,
            metadata: { isClosed: String(st.isClosed), probability: st.probability.toFixed(1) },
            archived: false,
            writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT',
            createdAt: at,
            updatedAt: at,
          })),
        })),
      });
      return 200;
    }
    const needScope = (scope: string): boolean => {
      if (scopes.includes(scope)) return true;
      // https://developers.hubspot.com/docs/api/error-handling (403: missing scopes).
      json(
        res,
        403,
        errorBody('This app hasn’t been granted all required scopes to make this call.', 'MISSING_SCOPES'),
      );
      return false;
    };
    // https://developers.hubspot.com/docs/api/crm/properties (property groups: GET and POST
    // /crm/v3/properties/{objectType}/groups; creating needs crm.schemas.companies.write).
    if (path === '/crm/v3/properties/companies/groups') {
      if (req.method === 'GET') {
        json(res, 200, { results: companyGroups.map((g, i) => ({ ...g, displayOrder: i, archived: false })) });
        return 200;
      }
      if (req.method === 'POST') {
        if (!needScope('crm.schemas.companies.write')) return 403;
        const g = body as { name: string; label: string; displayOrder?: number };
        if (companyGroups.some((x) => x.name === g.name)) {
          json(res, 409, errorBody(`A property group named '${g.name}' already exists.`, 'CONFLICT'));
          return 409;
        }
        companyGroups.push({ name: g.name, label: g.label });
        json(res, 201, { name: g.name, label: g.label, displayOrder: g.displayOrder ?? -1, archived: false });
        return 201;
      }
    }
    if (req.method === 'POST' && path === '/crm/v3/properties/companies') {
      // https://developers.hubspot.com/docs/api/crm/properties (POST /crm/v3/properties/{objectType}): 201, or
      // 409 when a property of that name exists.
      if (!needScope('crm.schemas.companies.write')) return 403;
      const d = body as {
        name: string;
        label: string;
        type: string;
        fieldType: string;
        groupName: string;
        options?: { value: string; label: string }[];
      };
      if (properties.companies.some((p) => p.name === d.name)) {
        json(res, 409, errorBody(`Property named '${d.name}' already exists.`, 'CONFLICT'));
        return 409;
      }
      if (!companyGroups.some((g) => g.name === d.groupName)) {
        json(res, 400, errorBody(`Property group '${d.groupName}' does not exist.`, 'VALIDATION_ERROR'));
        return 400;
      }
      properties.companies.push({
        name: d.name,
        label: d.label,
        type: d.type,
        hubspotDefined: false,
        ...(d.options ? { options: d.options.map((o) => ({ value: o.value, label: o.label })) } : {}),
      });
      json(res, 201, { ...d, hubspotDefined: false, createdAt: new Date().toISOString() });
      return 201;
    }
    // A value HubSpot would refuse: an unknown property, a number that is not one, an option not offered.
    const invalid = (props: Record<string, string>): string | null => {
      for (const [name, value] of Object.entries(props)) {
        const def = properties.companies.find((p) => p.name === name);
        if (!def) return `Property "${name}" does not exist`;
        if (def.type === 'number' && value !== '' && !Number.isFinite(Number(value))) return `${value} is not a number`;
        if (def.type === 'enumeration' && def.options && !def.options.some((o) => o.value === value)) {
          return `${value} was not one of the allowed options for ${name}`;
        }
      }
      return null;
    };
    const update = (id: string, props: Record<string, string>) => {
      const r = store.companies.get(id)!;
      Object.assign(r.properties, props);
      // An update is a modification: the sync's next search reads the company again.
      const at = new Date(Math.max(Date.now(), Date.parse(r.updatedAt) + 1));
      r.updatedAt = at.toISOString();
      r.properties.hs_lastmodifieddate = at.toISOString();
      return view(r, Object.keys(props));
    };
    if (req.method === 'POST' && path === '/crm/v3/objects/companies/batch/update') {
      // https://developers.hubspot.com/docs/api/crm/companies (POST …/batch/update, 100 inputs at most): 200, or
      // 207 Multi-Status naming the ids it could not find in errors[].context.ids; an invalid value refuses
      // the whole batch (400 VALIDATION_ERROR).
      if (!needScope('crm.objects.companies.write')) return 403;
      const inputs = (body as { inputs: { id: string; properties: Record<string, string> }[] }).inputs;
      if (inputs.length > 100) {
        json(res, 400, errorBody('Batch input cannot exceed 100 inputs.', 'VALIDATION_ERROR'));
        return 400;
      }
      const bad = inputs.map((i) => invalid(i.properties)).find((x) => x !== null);
      if (bad) {
        json(res, 400, errorBody(`Property values were not valid: ${bad}`, 'VALIDATION_ERROR'));
        return 400;
      }
      const missing = inputs.filter((i) => !store.companies.get(i.id) || store.companies.get(i.id)!.archived);
      const results = inputs.filter((i) => !missing.includes(i)).map((i) => update(i.id, i.properties));
      const now = new Date().toISOString();
      const errors = missing.length
        ? [
            {
              status: 'error',
              category: 'OBJECT_NOT_FOUND',
              message:
                'Could not get some COMPANY objects, they may be deleted or not exist. Check that ids are valid.',
              context: { ids: missing.map((i) => i.id) },
              errors: [],
              links: {},
            },
          ]
        : [];
      json(res, missing.length ? 207 : 200, {
        status: 'COMPLETE',
        results,
        ...(missing.length ? { errors, numErrors: errors.length } : {}),
        startedAt: now,
        completedAt: now,
      });
      return missing.length ? 207 : 200;
    }
    const one = /^\/crm\/v3\/objects\/companies\/(\d+)$/.exec(path);
    if (one && req.method === 'PATCH') {
      // https://developers.hubspot.com/docs/api/crm/companies (PATCH …/companies/{companyId}).
      if (!needScope('crm.objects.companies.write')) return 403;
      const id = one[1]!;
      const r = store.companies.get(id);
      if (!r || r.archived) {
        json(res, 404, errorBody(`Object not found. objectId are usually numeric.`, 'OBJECT_NOT_FOUND'));
        return 404;
      }
      const props = (body as { properties: Record<string, string> }).properties;
      const bad = invalid(props);
      if (bad) {
        json(res, 400, errorBody(`Property values were not valid: ${bad}`, 'VALIDATION_ERROR'));
        return 400;
      }
      json(res, 200, update(id, props));
      return 200;
    }
    m = /^\/crm\/v3\/objects\/(companies|deals)(\/search)?$/.exec(path);
    if (m) {
      const object = m[1] as FakeObject;
      if (!scopes.includes(`crm.objects.${object}.read`)) {
        // https://developers.hubspot.com/docs/api/error-handling (403: missing scopes).
        json(
          res,
          403,
          errorBody('This app hasn’t been granted all required scopes to make this call.', 'MISSING_SCOPES'),
        );
        return 403;
      }
      const all = [...store[object].values()].sort((a, b) => Number(a.id) - Number(b.id));
      if (!m[2] && req.method === 'GET') {
        // https://developers.hubspot.com/docs/api/crm/companies (GET /crm/v3/objects/companies): forward paging.
        const archived = url.searchParams.get('archived') === 'true';
        const names = url.searchParams
          .getAll('properties')
          .flatMap((v) => v.split(','))
          .filter(Boolean);
        const limit = Math.min(Number(url.searchParams.get('limit') ?? 10), 100);
        const rows = all.filter((r) => r.archived === archived).map((r) => view(r, names));
        json(res, 200, page(rows, url.searchParams.get('after'), limit, `${url.origin}${path}`));
        return 200;
      }
      if (m[2] && req.method === 'POST') {
        // https://developers.hubspot.com/docs/api/crm/search: filterGroups, sorts, after; `total` besides paging.
        const b = body as {
          filterGroups?: { filters: { propertyName: string; operator: string; value: string }[] }[];
          properties?: string[];
          limit?: number;
          after?: string;
        };
        const filters = b.filterGroups?.[0]?.filters ?? [];
        const rows = all
          .filter((r) => !r.archived)
          .filter((r) =>
            filters.every((f) => {
              if (f.propertyName !== 'hs_lastmodifieddate' || f.operator !== 'GT')
                throw new Error('unsupported filter');
              return Date.parse(r.properties.hs_lastmodifieddate ?? '') > Number(f.value);
            }),
          )
          .sort((a, c) => Date.parse(a.updatedAt) - Date.parse(c.updatedAt))
          .map((r) => view(r, b.properties ?? []));
        const limit = Math.min(b.limit ?? 10, 200);
        if (Number(b.after ?? 0) + limit > searchLimit.value) {
          // https://developers.hubspot.com/docs/api/crm/search#limitations: 10,000 results per query at most.
          json(res, 400, errorBody('The search API can page through at most 10,000 results.', 'VALIDATION_ERROR'));
          return 400;
        }
        const p = page(rows, b.after ?? null, limit, '');
        json(res, 200, {
          total: rows.length,
          results: p.results,
          ...(p.paging ? { paging: { next: { after: p.paging.next.after } } } : {}),
        });
        return 200;
      }
    }
    if (req.method === 'POST' && path === '/crm/v4/associations/deals/companies/batch/read') {
      // https://developers.hubspot.com/docs/api/crm/associations (v4 batch read).
      const inputs = (body as { inputs: { id: string }[] }).inputs;
      const results = inputs
        .filter((i) => dealCompany.has(i.id))
        .map((i) => ({
          from: { id: i.id },
          to: [
            {
              toObjectId: Number(dealCompany.get(i.id)),
              associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 5, label: 'Primary' }],
            },
          ],
        }));
      const now = new Date().toISOString();
      json(res, 200, { status: 'COMPLETE', results, startedAt: now, completedAt: now });
      return 200;
    }
    json(res, 404, errorBody(`No route for ${req.method} ${path}`, 'OBJECT_NOT_FOUND'));
    return 404;
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const at = Date.now();
      const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
      const text = Buffer.concat(chunks).toString('utf8');
      const form = (req.headers['content-type'] ?? '').includes('application/x-www-form-urlencoded');
      const body = !text ? null : form ? Object.fromEntries(new URLSearchParams(text)) : (JSON.parse(text) as unknown);
      const auth = req.headers.authorization ?? '';
      const token = auth.startsWith('Bearer ') ? auth.slice(7) : null;
      handle(req, res, body, url)
        .then((status) =>
          log.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, body, status, at, token }),
        )
        .catch((err: unknown) => json(res, 500, errorBody(String(err), 'INTERNAL_ERROR')));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const touch = (r: FakeRecord, at: Date) => {
    r.updatedAt = at.toISOString();
    r.properties.hs_lastmodifieddate = at.toISOString();
  };
  return {
    url: `http://127.0.0.1:${port}`,
    tokens,
    companyGroups,
    company: (id) => store.companies.get(id),
    accessTokenTtl,
    refreshTokens,
    issueCode(scopes) {
      const code = `code-${randomUUID()}`;
      codes.set(code, scopes);
      return code;
    },
    properties,
    pipelines,
    searchLimit,
    upsert(object, id, props, at) {
      const r = store[object].get(id) ?? {
        id,
        properties: { hs_object_id: id, createdate: at.toISOString() },
        createdAt: at.toISOString(),
        updatedAt: at.toISOString(),
        archived: false,
      };
      Object.assign(r.properties, props);
      touch(r, at);
      store[object].set(id, r);
    },
    archive(object, id, at) {
      const r = store[object].get(id);
      if (!r) return;
      r.archived = true;
      r.archivedAt = at.toISOString();
      touch(r, at);
    },
    merge(survivorId, mergedId, at) {
      const s = store.companies.get(survivorId)!;
      const before = s.properties.hs_merged_object_ids;
      s.properties.hs_merged_object_ids = before ? `${before};${mergedId}` : mergedId;
      touch(s, at);
      // The merged record is gone from the list, the search and the archive alike.
      store.companies.delete(mergedId);
      for (const [deal, company] of dealCompany) if (company === mergedId) dealCompany.set(deal, survivorId);
    },
    mergeDeals(survivorId, mergedId, at) {
      const s = store.deals.get(survivorId)!;
      const before = s.properties.hs_merged_object_ids;
      s.properties.hs_merged_object_ids = before ? `${before};${mergedId}` : mergedId;
      touch(s, at);
      store.deals.delete(mergedId);
      dealCompany.delete(mergedId);
    },
    associate(dealId, companyId) {
      dealCompany.set(dealId, companyId);
    },
    fail(pathPart, failure, times = 1) {
      failures.push({ pathPart, failure, times });
    },
    expire(token) {
      expired.add(token);
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
