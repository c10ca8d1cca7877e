/**
 * HubSpot through its official SDK (@hubspot/api-client), and nothing else: the calls the sync needs,
 * their answers as plain objects, and HubSpot's refusals as AppErrors. Retries after a 429 or a 5xx are
 * the SDK's own (`numberOfApiCallRetries`); the base URL is configurable so tests aim the real SDK at a
 * local fake (test/fakes/hubspot.ts).
 */
import { Client } from '@hubspot/api-client';
import type { FilterOperatorEnum } from '@hubspot/api-client/lib/codegen/crm/companies/models/Filter.js';
import { AppError, ErrorCode } from '../errors.ts';
import { type HubSpotWritebackApi, hubspotWritebackCalls } from './hubspot-writeback.ts';

import type { CrmObject } from './source.ts';

export type { CrmObject };

/** The scopes a read-only sync of companies and deals needs (deal pipelines are read with the deals scope). */
export const HUBSPOT_REQUIRED_SCOPES = ['crm.objects.companies.read', 'crm.objects.deals.read'] as const;

export interface HubSpotRecord {
  id: string;
  properties: Record<string, string | null>;
  updatedAt: Date;
  archived: boolean;
}

export interface HubSpotPage {
  results: HubSpotRecord[];
  /** `paging.next.after`: the cursor of the next page, undefined on the last one. */
  after: string | undefined;
}

export interface HubSpotProperty {
  name: string;
  label: string;
  type: string;
  /** False for the account's own (custom) properties. */
  hubspotDefined: boolean;
  /** An enumeration's options (the lifecycle stages, for the churn signal); absent when it has none. */
  options?: { value: string; label: string }[];
}

/** A deal pipeline and its stages, with HubSpot's own metadata on each stage. */
export interface HubSpotPipeline {
  id: string;
  label: string;
  stages: { id: string; label: string; isClosed: boolean | null; probability: number | null }[];
}

/** What the sync (and the write-back: src/crm/hubspot-writeback.ts) asks of HubSpot; tests may pass another implementation. */
export interface HubSpotApi extends HubSpotWritebackApi {
  tokenInfo(): Promise<{ hubId: number | null; scopes: string[] }>;
  properties(object: CrmObject): Promise<HubSpotProperty[]>;
  /** The deal pipelines and their stages. */
  dealPipelines(): Promise<HubSpotPipeline[]>;
  listPage(object: CrmObject, properties: readonly string[], after?: string, archived?: boolean): Promise<HubSpotPage>;
  /** Records modified after `since`, oldest first (the search API). */
  searchModifiedSince(
    object: CrmObject,
    properties: readonly string[],
    since: Date,
    after?: string,
  ): Promise<HubSpotPage>;
  /** The company each deal is associated with (the first one when several). */
  dealCompanies(dealIds: readonly string[]): Promise<Map<string, string>>;
}

export interface HubSpotOptions {
  token: string;
  /** HUBSPOT_API_URL; the SDK's default (https://api.hubapi.com) when undefined. */
  basePath?: string | undefined;
  /** The SDK's retries after a 429 (rolling 10-second or secondly limit) or a 5xx: 0–6. */
  retries: number;
  /** Requests a second at most, paced by the SDK's own limiter (Bottleneck); 0: unpaced. */
  perSecond: number;
}

/** Largest page the list and search endpoints serve (list: 100, search: 200; the smaller for both). */
export const PAGE_SIZE = 100;

const sdkError = (err: unknown): { code: number; body: unknown } | null => {
  const e = err as { code?: unknown; body?: unknown } | null;
  return e && typeof e.code === 'number' ? { code: e.code, body: e.body } : null;
};

/** HubSpot's refusals as the sentences users see; anything else is rethrown as it came. */
export function hubspotFailure(err: unknown): never {
  const e = sdkError(err);
  if (e?.code === 401) {
    throw new AppError(
      ErrorCode.CrmRefused,
      'HubSpot refused the token (expired, revoked or mistyped): connect again with `icp connect hubspot` (a new private-app token with --token, or OAuth).',
      { cause: err },
    );
  }
  if (e?.code === 403) {
    throw new AppError(
      ErrorCode.CrmRefused,
      `HubSpot refused the request for lack of a scope: give the private app ${HUBSPOT_REQUIRED_SCOPES.join(' and ')}, then connect again.`,
      { cause: err },
    );
  }
  if (e?.code === 429) {
    throw new AppError(
      ErrorCode.CrmRefused,
      'HubSpot kept answering “too many requests” after every retry: the sync stopped and resumes from the same point next time.',
      { cause: err },
    );
  }
  throw err;
}

const record = (o: { id: string; properties: Record<string, string | null>; updatedAt: Date; archived?: boolean }) => ({
  id: o.id,
  properties: o.properties,
  updatedAt: o.updatedAt,
  archived: o.archived ?? false,
});

/** The SDK client behind HubSpotApi. */
export function hubspotApi(opts: HubSpotOptions): HubSpotApi {
  const client = new Client({
    accessToken: opts.token,
    ...(opts.basePath ? { basePath: opts.basePath.replace(/\/+$/, '') } : {}),
    numberOfApiCallRetries: opts.retries,
    // Paced under HubSpot's burst limit (100 requests per 10 s for the lowest tier) rather than answered
    // with 429s: the SDK's retry after a rolling-window 429 waits 10 s. Job options must be given, or the
    // SDK's limiter decorator hands back Bottleneck's wrapped function instead of calling it (13.x).
    ...(opts.perSecond > 0
      ? {
          limiterOptions: { minTime: Math.ceil(1000 / opts.perSecond), maxConcurrent: 1, id: 'icp-hubspot' },
          limiterJobOptions: { weight: 1 },
        }
      : {}),
  });
  const api = (object: CrmObject) => (object === 'companies' ? client.crm.companies : client.crm.deals);
  const call = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      return hubspotFailure(err);
    }
  };

  return {
    async tokenInfo() {
      // Private-app token metadata (https://developers.hubspot.com/docs/api/private-apps, "View private app
      // access token information"): not wrapped by the SDK's generated APIs, so through its apiRequest.
      const res = await client.apiRequest({
        method: 'POST',
        path: '/oauth/v2/private-apps/get/access-token-info',
        body: { tokenKey: opts.token },
      });
      if (res.status === 401 || res.status === 400 || res.status === 404) hubspotFailure({ code: 401 });
      if (!res.ok) throw new Error(`HubSpot token check answered HTTP ${res.status}`);
      const body = (await res.json()) as { hubId?: number; scopes?: unknown };
      const scopes = Array.isArray(body.scopes) ? body.scopes.filter((s): s is string => typeof s === 'string') : [];
      return { hubId: typeof body.hubId === 'number' ? body.hubId : null, scopes };
    },

    async properties(object) {
      const r = await call(() => client.crm.properties.coreApi.getAll(object, false));
      return r.results.map((p) => ({
        name: p.name,
        label: p.label,
        type: p.type,
        hubspotDefined: p.hubspotDefined ?? false,
        ...(p.options?.length ? { options: p.options.map((o) => ({ value: o.value, label: o.label })) } : {}),
      }));
    },

    async dealPipelines() {
      // https://developers.hubspot.com/docs/api/crm/pipelines: each stage's metadata holds isClosed and
      // probability as strings ("true", "1.0").
      const r = await call(() => client.crm.pipelines.pipelinesApi.getAll('deals'));
      const flag = (v: string | undefined) => (v === 'true' ? true : v === 'false' ? false : null);
      const num = (v: string | undefined) =>
        v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null;
      return r.results
        .filter((p) => !p.archived)
        .sort((a, b) => a.displayOrder - b.displayOrder)
        .map((p) => ({
          id: p.id,
          label: p.label,
          stages: p.stages
            .filter((st) => !st.archived)
            .sort((a, b) => a.displayOrder - b.displayOrder)
            .map((st) => ({
              id: st.id,
              label: st.label,
              isClosed: flag(st.metadata?.isClosed),
              probability: num(st.metadata?.probability),
            })),
        }));
    },

    async listPage(object, properties, after, archived = false) {
      const r = await call(() =>
        api(object).basicApi.getPage(PAGE_SIZE, after, [...properties], undefined, undefined, archived),
      );
      return { results: r.results.map(record), after: r.paging?.next?.after };
    },

    async searchModifiedSince(object, properties, since, after) {
      const r = await call(() =>
        api(object).searchApi.doSearch({
          filterGroups: [
            {
              filters: [
                {
                  propertyName: 'hs_lastmodifieddate',
                  operator: 'GT' as FilterOperatorEnum,
                  value: String(since.getTime()),
                },
              ],
            },
          ],
          sorts: ['hs_lastmodifieddate'],
          properties: [...properties],
          limit: PAGE_SIZE,
          ...(after ? { after } : {}),
        }),
      );
      return { results: r.results.map(record), after: r.paging?.next?.after };
    },

    async dealCompanies(dealIds) {
      const out = new Map<string, string>();
      if (dealIds.length === 0) return out;
      const r = await call(() =>
        client.crm.associations.v4.batchApi.getPage('deals', 'companies', {
          inputs: dealIds.map((id) => ({ id })),
        }),
      );
      for (const a of r.results) {
        const to = a.to[0];
        if (to) out.set(a._from.id, String(to.toObjectId));
      }
      return out;
    },

    ...hubspotWritebackCalls(client, hubspotFailure),
  };
}
