import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCrmConnection, saveCrmConnection } from '../../db/queries/crm.ts';
import { applyIcp } from '../../db/queries/icp.ts';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { CrmMapping } from '../../src/crm/mapping-review.ts';
import { encryptToken } from '../../src/crm/secrets.ts';
import type { Deps } from '../../src/deps.ts';
import { createLogger } from '../../src/logger.ts';
import { CrmMappingIds } from '../../src/slack/blocks/crm-mapping.ts';
import { readDefaultIcp } from '../../src/usecases/icp-provider.ts';
import { assertValidModal } from '../helpers/blockkit.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';
import {
  buildActionArgs,
  buildViewArgs,
  captureListeners,
  type FakeIo,
  fakeIo,
  listenerFor,
  type Registered,
} from '../helpers/listener-args.ts';

const T1 = 'T0001';
const OWNER = 'U2147483697'; // the user the listener-args factories act as
const ownedIcp = (owner: string) => readDefaultIcp().replace(/owners:\n {2}- U00000000AA/, `owners:\n  - ${owner}`);

const MAPPING: CrmMapping = {
  companies: {
    properties: ['hs_object_id', 'name', 'industry', 'segment'],
    mapped: { hs_object_id: 'externalId', name: 'name', industry: 'industry', segment: 'attributes.segment' },
  },
  deals: {
    properties: ['hs_object_id', 'dealname', 'dealstage'],
    mapped: { hs_object_id: 'externalId', dealname: 'name', dealstage: 'stage' },
  },
  stages: [
    {
      pipelineId: 'default',
      pipeline: 'Sales Pipeline',
      stage: 'contractsent',
      label: 'Contract Sent',
      outcome: 'open',
    },
    { pipelineId: 'default', pipeline: 'Sales Pipeline', stage: 'closedwon', label: 'Closed Won', outcome: 'won' },
  ],
  churn: { kind: 'none' },
  catalog: { companies: [{ name: 'churned_on', label: 'Churned on', type: 'date' }], deals: [] },
  lifecycleStages: [],
};

describe(`App Home's CRM mapping review (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let db: TestDb;
  let deps: Deps;
  let listeners: Registered[];
  const key = randomBytes(32);
  const opened = (io: FakeIo) => io.calls.filter((c) => c.method === 'views.open');

  beforeAll(async () => {
    db = await createTestDb();
  });
  afterAll(async () => {
    await db?.close();
  });
  beforeEach(async () => {
    await db.truncateAll();
    deps = buildDeps(
      loadConfig({ CRM_ENCRYPTION_KEY: key.toString('base64') }),
      db,
      createLogger({ write: () => undefined }),
    );
    listeners = captureListeners(deps);
    await saveCrmConnection(db.db, {
      teamId: T1,
      provider: 'hubspot',
      tokenEncrypted: encryptToken(key, T1, 'pat-na1-secret'),
      scopes: [],
      fieldMapping: MAPPING,
      createdBy: OWNER,
    });
  });

  it('opens the mapping for an owner, and confirms what they chose on submit', async () => {
    await applyIcp(db.db, { teamId: T1, source: ownedIcp(OWNER), createdBy: OWNER });
    const io = fakeIo(deps.logger);
    const click = buildActionArgs(io, { actionId: CrmMappingIds.review, source: 'home', trigger_id: 'trig-1' });
    await listenerFor(listeners, 'action', CrmMappingIds.review)(click as never);
    expect(opened(io)).toHaveLength(1);
    const view = opened(io)[0]!.args.view as { blocks: unknown[] };
    assertValidModal(view);
    expect(JSON.stringify(view)).toContain('Contract Sent');

    const choose = (v: string) => ({
      [CrmMappingIds.choice]: { type: 'static_select', selected_option: { value: v } },
    });
    const sub = fakeIo(deps.logger);
    const args = buildViewArgs(sub, {
      callbackId: CrmMappingIds.callback,
      values: {
        [CrmMappingIds.churn]: choose('churned_on'),
        [CrmMappingIds.property('companies', 'segment')]: choose('industry'),
        [CrmMappingIds.property('companies', 'industry')]: choose('attribute'),
        [CrmMappingIds.stage('contractsent')]: choose('won'),
      },
    });
    await listenerFor(listeners, 'view', CrmMappingIds.callback)(args as never);
    expect(sub.acks).toEqual([undefined]);
    const conn = await getCrmConnection(db.db, T1);
    expect(conn).toMatchObject({ mappingConfirmedBy: OWNER });
    const confirmed = conn?.confirmedMapping as CrmMapping;
    expect(confirmed.companies.mapped).toMatchObject({ segment: 'industry', industry: 'attributes.industry' });
    expect(confirmed.stages.find((s) => s.stage === 'contractsent')?.outcome).toBe('won');
    expect(confirmed.churn).toEqual({ kind: 'property', property: 'churned_on' });
    // Home is published again, now saying who confirmed it.
    const published = sub.calls.filter((c) => c.method === 'views.publish');
    expect(published).toHaveLength(1);
    expect(JSON.stringify(published[0]!.args.view)).toContain(`Field mapping confirmed by <@${OWNER}>`);
  });

  it('refuses anyone who is not an ICP owner, on the button and on a forged submission', async () => {
    await applyIcp(db.db, { teamId: T1, source: ownedIcp('U0SOMEONE1'), createdBy: OWNER });
    const io = fakeIo(deps.logger);
    await listenerFor(
      listeners,
      'action',
      CrmMappingIds.review,
    )(buildActionArgs(io, { actionId: CrmMappingIds.review, source: 'home', trigger_id: 'trig-1' }) as never);
    expect(opened(io)).toEqual([]);
    expect(JSON.stringify(io.calls)).toContain('can review the CRM field mapping');

    const sub = fakeIo(deps.logger);
    await listenerFor(
      listeners,
      'view',
      CrmMappingIds.callback,
    )(buildViewArgs(sub, { callbackId: CrmMappingIds.callback, values: {} }) as never);
    expect(JSON.stringify(sub.acks)).toContain('can confirm the CRM field mapping');
    expect((await getCrmConnection(db.db, T1))?.confirmedMapping).toBeNull();
  });

  it('shows a refused choice in the modal and confirms nothing', async () => {
    await applyIcp(db.db, { teamId: T1, source: ownedIcp(OWNER), createdBy: OWNER });
    const sub = fakeIo(deps.logger);
    const choose = (v: string) => ({
      [CrmMappingIds.choice]: { type: 'static_select', selected_option: { value: v } },
    });
    await listenerFor(
      listeners,
      'view',
      CrmMappingIds.callback,
    )(
      buildViewArgs(sub, {
        callbackId: CrmMappingIds.callback,
        values: {
          [CrmMappingIds.property('companies', 'segment')]: choose('industry'),
          [CrmMappingIds.property('companies', 'name')]: choose('industry'),
        },
      }) as never,
    );
    expect(JSON.stringify(sub.acks)).toContain('already fills industry');
    expect((await getCrmConnection(db.db, T1))?.confirmedMapping).toBeNull();
  });
});
