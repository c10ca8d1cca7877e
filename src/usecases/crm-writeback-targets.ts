/**
 * Each CRM's side of the write-back (src/usecases/crm-writeback.ts runs the shared loop): what consent
 * does, what a run checks first, and how one batch of changed companies is written, over the
 * connection's credentials refreshed as the sync's are (src/usecases/crm-credentials.ts).
 *
 * HubSpot: consent names any missing write scope, else creates the ICP Coach group and properties on
 * companies (src/crm/hubspot-writeback.ts); 100 companies per batch call.
 * Salesforce: consent checks Account has the four custom fields and the user may edit them, naming
 * what to create otherwise (src/crm/salesforce-writeback.ts says why it does not create them); 200
 * accounts per sObject Collections call.
 */
import type { CrmConnectionRow } from '../../db/queries/crm.ts';
import { hubspotAccessTokenInfo } from '../crm/hubspot-oauth.ts';
import { BATCH_UPDATE_SIZE, HUBSPOT_WRITE_SCOPES } from '../crm/hubspot-writeback.ts';
import {
  accountRecord,
  checkAccountFields,
  refusedRecords,
  SALESFORCE_BATCH_SIZE,
  SALESFORCE_WRITEBACK_NAMES,
  writeRefusal,
} from '../crm/salesforce-writeback.ts';
import { WRITEBACK_GROUP, WRITEBACK_PROPERTIES, type WritebackValues } from '../crm/writeback.ts';
import type { Deps } from '../deps.ts';
import { AppError, ErrorCode } from '../errors.ts';
import {
  credentialKeeper,
  type HubSpotFactory,
  hubspotFactory,
  hubspotSession,
  refreshHubSpot,
} from './crm-credentials.ts';
import { salesforceSession } from './crm-salesforce.ts';

type CrmDeps = Pick<Deps, 'config' | 'db' | 'logger'>;

export interface WritebackTarget {
  provider: string;
  /** The CRM's name in sentences. */
  label: string;
  /** Records one update call takes. */
  batchSize: number;
  /** The owner's consent: what it created (empty: all there) and every field or property written. */
  enable(): Promise<{ created: string[]; properties: string[] }>;
  /** Before a run: puts back (HubSpot) or checks (Salesforce) the fields; throws a sentence when it cannot. */
  prepare(): Promise<void>;
  /** Writes at most batchSize records; the ones the CRM refused, each with its reason. */
  update(batch: readonly { id: string; values: WritebackValues }[]): Promise<{ id: string; problem: string }[]>;
}

function hubspotTarget(deps: CrmDeps, conn: CrmConnectionRow, factory: HubSpotFactory): WritebackTarget {
  const keeper = credentialKeeper(deps, {
    teamId: conn.teamId,
    provider: conn.provider,
    stored: conn.tokenEncrypted,
    refresh: refreshHubSpot(deps),
  });
  const api = hubspotSession(deps, { teamId: conn.teamId, conn, factory, keeper });
  return {
    provider: 'hubspot',
    label: 'HubSpot',
    batchSize: BATCH_UPDATE_SIZE,
    async enable() {
      // The scopes the token has now (a private app's can change after connecting).
      const creds = await keeper.current();
      const { scopes } =
        creds.kind === 'oauth'
          ? await hubspotAccessTokenInfo(
              { basePath: deps.config.crm.hubspotApiUrl, retries: deps.config.crm.hubspotRetries },
              creds.accessToken,
            )
          : await api.tokenInfo();
      const missing = HUBSPOT_WRITE_SCOPES.filter((s) => !scopes.includes(s));
      if (missing.length > 0) {
        const how =
          creds.kind === 'oauth'
            ? 'connect again with `icp connect hubspot` and allow them (they are asked as optional scopes)'
            : 'add them to the private app (HubSpot → Settings → Integrations → Private Apps → Scopes)';
        throw new AppError(
          ErrorCode.CrmRefused,
          `Writing to HubSpot needs the scope${missing.length > 1 ? 's' : ''} ${missing.join(' and ')}, which this connection lacks: ${how}, then run \`icp writeback enable\` again. Nothing was created or written.`,
        );
      }
      const created = await api.ensureCompanyProperties(WRITEBACK_GROUP, WRITEBACK_PROPERTIES);
      return { created, properties: WRITEBACK_PROPERTIES.map((p) => p.name) };
    },
    async prepare() {
      // Puts back a property someone deleted in HubSpot since (two reads when all are there).
      await api.ensureCompanyProperties(WRITEBACK_GROUP, WRITEBACK_PROPERTIES);
    },
    update: (batch) => api.updateCompanies(batch.map((b) => ({ id: b.id, properties: b.values }))),
  };
}

function salesforceTarget(deps: CrmDeps, conn: CrmConnectionRow): WritebackTarget {
  const api = salesforceSession(deps, conn);
  return {
    provider: 'salesforce',
    label: 'Salesforce',
    batchSize: SALESFORCE_BATCH_SIZE,
    async enable() {
      await checkAccountFields(api);
      return { created: [], properties: [...SALESFORCE_WRITEBACK_NAMES] };
    },
    prepare: () => checkAccountFields(api),
    async update(batch) {
      const sent = batch.map((b) => accountRecord(b.id, b.values));
      try {
        return refusedRecords(batch, await api.update('Account', sent));
      } catch (err) {
        throw writeRefusal(err) ?? err;
      }
    },
  };
}

/** The connection's CRM as a write-back target; a sentence for a CRM the bot cannot write to. */
export function writebackTarget(
  deps: CrmDeps,
  conn: CrmConnectionRow,
  opts: { hubspot?: HubSpotFactory | undefined } = {},
): WritebackTarget {
  if (conn.provider === 'hubspot') return hubspotTarget(deps, conn, opts.hubspot ?? hubspotFactory(deps));
  if (conn.provider === 'salesforce') return salesforceTarget(deps, conn);
  throw new AppError(ErrorCode.BadInput, `The bot cannot write back to a “${conn.provider}” connection.`);
}
