import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { getCrmConnection } from '../../db/queries/crm.ts';
import { crmConnections } from '../../db/schema.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { confirmMapping } from '../../src/usecases/crm-mapping.ts';
import { runDueCrmSyncs } from '../../src/usecases/crm-schedule.ts';
import { connectHubSpot } from '../../src/usecases/crm-sync.ts';
import { type FakeHubSpot, startFakeHubSpot } from '../fakes/hubspot.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const TOKEN = 'pat-na1-99998888-7777-6666-5555-444433332222';
const TEAMS = ['T0SCHED01', 'T0SCHED02', 'T0SCHED03'];

describe(`scheduled CRM sync across replicas (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  let fake: FakeHubSpot;
  const key = randomBytes(32).toString('base64');
  const deps = () => ({
    db: t.db,
    logger: createLogger({ level: 'error', write: () => {} }),
    config: loadConfig({ CRM_ENCRYPTION_KEY: key, HUBSPOT_API_URL: fake.url }),
  });
  // A full sync reads the first page of the companies list exactly once.
  const fullSyncs = () =>
    fake
      .requests('/crm/v3/objects/companies')
      .filter((q) => q.method === 'GET' && q.query.get('archived') === 'false' && !q.query.get('after')).length;
  const replica = (owner: string, intervalMs = 15 * 60_000) =>
    runDueCrmSyncs(deps(), { owner, intervalMs, leaseMs: 60_000 });

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });
  beforeEach(async () => {
    await t.truncateAll();
    fake = await startFakeHubSpot();
    fake.tokens.set(TOKEN, ['crm.objects.companies.read', 'crm.objects.deals.read']);
    fake.properties.companies = [{ name: 'name', label: 'Name', type: 'string', hubspotDefined: true }];
    for (let i = 1; i <= 150; i++) fake.upsert('companies', String(i), { name: `Co ${i}` }, new Date('2024-01-01'));
    for (const teamId of TEAMS) {
      await connectHubSpot(deps(), { teamId, userId: 'U1', token: TOKEN });
      await confirmMapping(deps(), { teamId, userId: 'U1' });
    }
  });
  afterEach(async () => {
    await fake.close();
  });

  it('three replicas ticking at once sync each workspace once', async () => {
    const ticks = await Promise.all([replica('a'), replica('b'), replica('c')]);
    const synced = ticks.flatMap((r) => r.synced).sort();
    expect(synced).toEqual(TEAMS);
    expect(ticks.flatMap((r) => r.failed)).toEqual([]);
    expect(fullSyncs()).toBe(TEAMS.length);
    for (const teamId of TEAMS) {
      expect(await getCrmConnection(t.db, teamId)).toMatchObject({ lastSyncStatus: 'ok', syncLeaseOwner: null });
    }
    // Nothing is due again before the interval.
    const again = await Promise.all([replica('a'), replica('b'), replica('c')]);
    expect(again.flatMap((r) => r.synced)).toEqual([]);
  });

  it('skips a workspace whose mapping no owner confirmed, leaving it unsynced and unleased', async () => {
    await connectHubSpot(deps(), { teamId: 'T0SCHED04', userId: 'U1', token: TOKEN });
    const r = await replica('a');
    expect(r.synced.sort()).toEqual(TEAMS);
    expect(r.failed).toEqual([]);
    expect(fullSyncs()).toBe(TEAMS.length);
    expect(await getCrmConnection(t.db, 'T0SCHED04')).toMatchObject({ lastSyncStatus: null, syncLeaseOwner: null });
    // Confirmed, it is due at the next tick.
    await confirmMapping(deps(), { teamId: 'T0SCHED04', userId: 'U1' });
    expect((await replica('b')).synced).toEqual(['T0SCHED04']);
  });

  it('takes over a sync whose replica died holding the lease, and leaves a live lease alone', async () => {
    await t.db
      .update(crmConnections)
      .set({ syncLeaseOwner: 'dead', syncLeaseUntil: sql`now() - interval '1 second'` })
      .where(eq(crmConnections.teamId, TEAMS[0]!));
    await t.db
      .update(crmConnections)
      .set({ syncLeaseOwner: 'alive', syncLeaseUntil: sql`now() + interval '5 minutes'` })
      .where(eq(crmConnections.teamId, TEAMS[1]!));
    const r = await replica('b');
    expect(r.synced.sort()).toEqual([TEAMS[0], TEAMS[2]]);
    expect((await getCrmConnection(t.db, TEAMS[1]!))?.lastSyncStatus).toBeNull();
  });

  it('records a failed scheduled sync on the connection and carries on with the others', async () => {
    fake.expire(TOKEN);
    const r = await replica('a');
    expect(r.failed.sort()).toEqual(TEAMS);
    expect((await getCrmConnection(t.db, TEAMS[0]!))?.lastSyncStatus).toBe('failed');
  });
});
