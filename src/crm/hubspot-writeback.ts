/**
 * The write-back's HubSpot calls through the SDK, on the same client (and limiter) as the sync's
 * (src/crm/hubspot.ts spreads them into HubSpotApi): the property group and properties on companies
 * (https://developers.hubspot.com/docs/api/crm/properties), and company updates 100 at a time
 * (https://developers.hubspot.com/docs/api/crm/companies, POST /crm/v3/objects/companies/batch/update).
 */
import type { Client } from '@hubspot/api-client';
import type {
  PropertyCreateFieldTypeEnum,
  PropertyCreateTypeEnum,
} from '@hubspot/api-client/lib/codegen/crm/properties/models/PropertyCreate.js';
import { AppError, ErrorCode } from '../errors.ts';
import type { CompanyPropertyDef } from './writeback.ts';

/** What the write-back needs beyond the sync's read scopes. */
export const HUBSPOT_WRITE_SCOPES = ['crm.schemas.companies.write', 'crm.objects.companies.write'] as const;

/** Companies one batch update takes (HubSpot's limit). */
export const BATCH_UPDATE_SIZE = 100;

export interface CompanyUpdate {
  id: string;
  properties: Record<string, string>;
}

export interface HubSpotWritebackApi {
  /** Creates the group and the properties companies do not have yet; the names created (none: all there). */
  ensureCompanyProperties(
    group: { name: string; label: string },
    defs: readonly CompanyPropertyDef[],
  ): Promise<string[]>;
  /** Updates at most BATCH_UPDATE_SIZE companies; the ones HubSpot refused, each with its reason. */
  updateCompanies(inputs: readonly CompanyUpdate[]): Promise<{ id: string; problem: string }[]>;
}

const sdkError = (err: unknown): { code: number; body: unknown } | null => {
  const e = err as { code?: unknown; body?: unknown } | null;
  return e && typeof e.code === 'number' ? { code: e.code, body: e.body } : null;
};

const messageOf = (body: unknown, code: number): string => {
  const b = (typeof body === 'string' ? safeJson(body) : body) as { message?: unknown } | null;
  return typeof b?.message === 'string' && b.message ? b.message : `HTTP ${code}`;
};
const safeJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
};

const scopeRefusal = (err: unknown) =>
  new AppError(
    ErrorCode.CrmRefused,
    `HubSpot refused the write-back for lack of a scope: it needs ${HUBSPOT_WRITE_SCOPES.join(' and ')}. ` +
      'Add them (private app: Settings → Integrations → Private Apps → Scopes; OAuth: connect again and allow them), then run `icp writeback enable` again.',
    { cause: err },
  );

/** A refusal of one record (not of the token, the scopes or the rate). */
const recordRefusal = (code: number) => code >= 400 && code < 500 && ![401, 403, 429].includes(code);

export function hubspotWritebackCalls(client: Client, fail: (err: unknown) => never): HubSpotWritebackApi {
  const guarded = async <T>(fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      if (sdkError(err)?.code === 403) throw scopeRefusal(err);
      return fail(err);
    }
  };

  return {
    async ensureCompanyProperties(group, defs) {
      const groups = await guarded(() => client.crm.properties.groupsApi.getAll('companies'));
      if (!groups.results.some((g) => g.name === group.name)) {
        await guarded(() => client.crm.properties.groupsApi.create('companies', { ...group, displayOrder: -1 }));
      }
      const existing = await guarded(() => client.crm.properties.coreApi.getAll('companies', false));
      const have = new Set(existing.results.map((p) => p.name));
      const created: string[] = [];
      for (const [i, d] of defs.entries()) {
        if (have.has(d.name)) continue;
        try {
          await client.crm.properties.coreApi.create('companies', {
            name: d.name,
            label: d.label,
            description: d.description,
            groupName: group.name,
            type: d.type as PropertyCreateTypeEnum,
            fieldType: d.fieldType as PropertyCreateFieldTypeEnum,
            displayOrder: i,
            formField: false,
            ...(d.options ? { options: d.options.map((o, j) => ({ ...o, displayOrder: j, hidden: false })) } : {}),
          });
          created.push(d.name);
        } catch (err) {
          // 409: created meanwhile (another replica, an earlier run cut short): it is there, which is the point.
          if (sdkError(err)?.code === 409) continue;
          if (sdkError(err)?.code === 403) throw scopeRefusal(err);
          fail(err);
        }
      }
      return created;
    },

    async updateCompanies(inputs) {
      if (inputs.length === 0) return [];
      try {
        const r = await client.crm.companies.batchApi.update({
          inputs: inputs.map((i) => ({ id: i.id, properties: i.properties })),
        });
        // 207 Multi-Status: the records it refused, by id.
        const errors = 'errors' in r && Array.isArray(r.errors) ? r.errors : [];
        return errors.flatMap((e) => {
          const ids = (e.context as Record<string, string[] | undefined> | undefined)?.ids ?? [];
          return ids.map((id) => ({ id, problem: e.message }));
        });
      } catch (err) {
        const e = sdkError(err);
        if (e?.code === 403) throw scopeRefusal(err);
        if (!e || !recordRefusal(e.code)) return fail(err);
      }
      // The whole batch was refused for some record in it: one by one, so each refusal names its record.
      const refused: { id: string; problem: string }[] = [];
      for (const i of inputs) {
        try {
          await client.crm.companies.basicApi.update(i.id, { properties: i.properties });
        } catch (err) {
          const e = sdkError(err);
          if (e?.code === 403) throw scopeRefusal(err);
          if (!e || !recordRefusal(e.code)) return fail(err);
          refused.push({ id: i.id, problem: messageOf(e.body, e.code) });
        }
      }
      return refused;
    },
  };
}
