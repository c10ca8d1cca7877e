import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmCrmMapping, recordCrmSync, saveCrmConnection } from '../../db/queries/crm.ts';
import { buildDeps } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { encryptToken } from '../../src/crm/secrets.ts';
import { createLogger } from '../../src/logger.ts';
import { buildHome } from '../../src/usecases/home.ts';
import { FAKE_OAUTH_APP } from '../fakes/hubspot.ts';
import { assertValidHome } from '../helpers/blockkit.ts';
import { createTestDb, type TestDb, usingRealPostgres } from '../helpers/db.ts';

const T = 'T0HOMECRM';
// The example ICP's owner: the default file lists this placeholder id.
const OWNER = 'U00000000AA';

describe(`App Home's CRM line (${usingRealPostgres ? 'PostgreSQL' : 'PGlite'})`, () => {
  let t: TestDb;
  const key = randomBytes(32);
  const deps = () =>
    buildDeps(
      loadConfig({ CRM_ENCRYPTION_KEY: key.toString('base64') }),
      t,
      createLogger({ level: 'error', write: () => {} }),
    );

  beforeAll(async () => {
    t = await createTestDb();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('gives an owner their own signed HubSpot link when the bot has a HubSpot app', async () => {
    const withApp = buildDeps(
      loadConfig({
        CRM_ENCRYPTION_KEY: key.toString('base64'),
        HUBSPOT_CLIENT_ID: FAKE_OAUTH_APP.clientId,
        HUBSPOT_CLIENT_SECRET: FAKE_OAUTH_APP.clientSecret,
        HUBSPOT_REDIRECT_URI: FAKE_OAUTH_APP.redirectUri,
      }),
      t,
      createLogger({ level: 'error', write: () => {} }),
    );
    const home = await buildHome(withApp, T, OWNER);
    assertValidHome(home);
    const button = JSON.stringify(home).match(/"url":"([^"]+)"/)?.[1];
    expect(button).toBeDefined();
    const url = new URL(button!);
    expect(url.searchParams.get('client_id')).toBe(FAKE_OAUTH_APP.clientId);
    expect(url.searchParams.get('state')).toBeTruthy();
    expect(JSON.stringify(await buildHome(deps(), T, OWNER))).not.toContain(FAKE_OAUTH_APP.clientId);
  });

  it('invites owners to connect, shows them the last sync, and shows others nothing of it', async () => {
    const before = await buildHome(deps(), T, OWNER);
    assertValidHome(before);
    expect(JSON.stringify(before)).toContain('Connect your CRM');
    expect(JSON.stringify(await buildHome(deps(), T, 'U0SELLER1'))).not.toContain('Connect your CRM');

    await saveCrmConnection(t.db, {
      teamId: T,
      provider: 'hubspot',
      tokenEncrypted: encryptToken(key, T, 'pat-na1-secret'),
      scopes: [],
      fieldMapping: {},
      createdBy: OWNER,
    });
    // Until an owner confirms the mapping, Home says it waits for them, with the button.
    const waiting = await buildHome(deps(), T, OWNER);
    assertValidHome(waiting);
    expect(JSON.stringify(waiting)).toContain('the field mapping waits for an ICP owner');
    expect(JSON.stringify(waiting)).toContain('"action_id":"crm_mapping_review"');
    await confirmCrmMapping(t.db, {
      teamId: T,
      provider: 'hubspot',
      mapping: {},
      userId: OWNER,
      resync: false,
      clearChurn: false,
    });
    await recordCrmSync(t.db, {
      teamId: T,
      provider: 'hubspot',
      status: 'partial',
      counts: { companies: 3, deals: 4, deleted: 0, merged: 0 },
      errors: Array.from({ length: 5 }, (_, i) => ({
        object: 'companies' as const,
        id: String(i),
        property: 'name',
        value: '',
        problem: 'company name is required',
      })),
      problemCount: 812,
      cursors: { companies: null, deals: null },
    });
    const home = await buildHome(deps(), T, OWNER);
    assertValidHome(home);
    const after = JSON.stringify(home);
    // The count is every record left out, not the ones kept to show.
    expect(after).toContain('812 records left out until fixed in HubSpot');
    expect(after).toContain('…and 809 more');
    expect(after).toContain('Field mapping confirmed by');
    expect(after).toContain('3 companies, 4 deals written');
    expect(after).not.toContain('pat-na1-secret');
    expect(JSON.stringify(await buildHome(deps(), T, 'U0SELLER1'))).not.toContain('4 deals written');
  });
});
