import { describe, expect, it } from 'vitest';
import { type CrmHomeStatus, crmHomeSection } from '../../src/slack/blocks/home-crm.ts';
import { assertValidHome } from '../helpers/blockkit.ts';

const synced: CrmHomeStatus = {
  provider: 'hubspot',
  connectedBy: 'U0OWNER01',
  lastSyncAt: new Date('2026-12-07T12:00:00Z'),
  status: 'ok',
  counts: { companies: 250, deals: 120, deleted: 2, merged: 1 },
  problems: [],
};
const text = (blocks: unknown) => JSON.stringify(blocks);

describe('App Home: the CRM line (pure builder)', () => {
  it('is for ICP owners only', () => {
    expect(crmHomeSection(null, false)).toEqual([]);
    expect(crmHomeSection(synced, false)).toEqual([]);
  });

  it('says how to connect while no CRM is connected', () => {
    const blocks = crmHomeSection(null, true);
    assertValidHome({ type: 'home', blocks });
    expect(text(blocks)).toContain('Connect your CRM');
    expect(text(blocks)).toContain('icp connect hubspot --token');
  });

  it('offers the signed OAuth link as a button when the bot has a HubSpot app', () => {
    const url = 'https://app.hubspot.com/oauth/authorize?client_id=abc&state=signed';
    const blocks = crmHomeSection(null, true, { hubspot: url });
    assertValidHome({ type: 'home', blocks });
    expect(text(blocks)).toContain(`"url":"${url}"`);
    expect(text(blocks)).toContain('icp connect hubspot --token');
    expect(text(crmHomeSection(null, true))).not.toContain('"url"');
    expect(crmHomeSection(null, false, { hubspot: url })).toEqual([]);
  });

  it('offers Salesforce beside HubSpot, by CLI and, with a Salesforce app, by a button', () => {
    expect(text(crmHomeSection(null, true))).toContain('icp connect salesforce');
    const sf = 'https://login.salesforce.com/services/oauth2/authorize?client_id=x&state=signed';
    const blocks = crmHomeSection(null, true, { salesforce: sf });
    assertValidHome({ type: 'home', blocks });
    expect(text(blocks)).toContain(`"url":"${sf}"`);
    expect(text(blocks)).toContain('Connect Salesforce');
    expect(text(blocks)).not.toContain('Connect HubSpot');
    const synced2 = crmHomeSection({ ...synced, provider: 'salesforce' }, true);
    expect(text(synced2)).toContain('*Salesforce* connected by');
    // Write-back is offered for the connected CRM, by its name.
    expect(text(synced2)).toContain(
      'not written back to Salesforce: `icp writeback enable` writes them onto every Account',
    );
    expect(text(synced2)).not.toContain('HubSpot');
  });

  it('says how the last write-back to Salesforce went, naming Salesforce and its accounts', () => {
    const sf = { ...synced, provider: 'salesforce', writebackOn: true };
    expect(text(crmHomeSection(sf, true))).toContain('written back to Salesforce after the next sync');
    const blocks = crmHomeSection(
      {
        ...sf,
        writeback: {
          at: '2026-12-07T12:05:00Z',
          status: 'partial',
          written: 449,
          unchanged: 0,
          refused: 1,
          problems: [{ name: 'Account 33', problem: 'FIELD_CUSTOM_VALIDATION_EXCEPTION: in review <!here>' }],
        },
      },
      true,
    );
    assertValidHome({ type: 'home', blocks });
    expect(text(blocks)).toContain(':warning: Tier and score written back to Salesforce');
    expect(text(blocks)).toContain(
      '449 accounts updated, 0 unchanged, 1 refused by Salesforce (first: Account 33: FIELD_CUSTOM_VALIDATION_EXCEPTION: in review &lt;!here&gt;)',
    );
    const failed = crmHomeSection(
      {
        ...sf,
        writeback: {
          at: '2026-12-07T12:05:00Z',
          status: 'failed',
          written: 0,
          unchanged: 0,
          refused: 0,
          problems: [{ name: '', problem: 'Salesforce Accounts do not have the field ICP_Version__c' }],
        },
      },
      true,
    );
    expect(text(failed)).toContain('Writing tier and score back to Salesforce');
    expect(text(failed)).toContain('failed: Salesforce Accounts do not have the field ICP_Version__c');
    // A CRM the bot does not write to gets no line.
    expect(text(crmHomeSection({ ...synced, provider: 'pipedrive' }, true))).not.toContain('written back');
  });

  it('says whether tier and score are written back to HubSpot, and how the last write-back went', () => {
    expect(text(crmHomeSection(synced, true))).toContain(
      'not written back to HubSpot: `icp writeback enable` adds them to every company',
    );
    expect(text(crmHomeSection({ ...synced, writebackOn: true }, true))).toContain(
      'written back to HubSpot after the next sync',
    );
    const run = {
      at: '2026-12-07T12:05:00Z',
      status: 'partial' as const,
      written: 240,
      unchanged: 9,
      refused: 1,
      problems: [{ name: 'Acme <!here>', problem: 'property values were not valid' }],
    };
    const blocks = crmHomeSection({ ...synced, writebackOn: true, writeback: run }, true);
    assertValidHome({ type: 'home', blocks });
    expect(text(blocks)).toContain(
      '240 companies updated, 9 unchanged, 1 refused by HubSpot (first: Acme &lt;!here&gt;',
    );
    expect(text(blocks)).not.toContain('<!here>');
    const failed = crmHomeSection(
      {
        ...synced,
        writebackOn: true,
        writeback: { ...run, status: 'failed', problems: [{ name: '', problem: 'HubSpot refused the token' }] },
      },
      true,
    );
    expect(text(failed)).toContain('failed: HubSpot refused the token');
  });

  it('shows the last sync with its counts', () => {
    const blocks = crmHomeSection(synced, true);
    assertValidHome({ type: 'home', blocks });
    expect(text(blocks)).toContain('*HubSpot* connected by <@U0OWNER01>');
    expect(text(blocks)).toContain('250 companies, 120 deals written, 2 deleted, 1 merged');
    expect(text(crmHomeSection({ ...synced, connectedBy: 'cli', lastSyncAt: null, status: null }, true))).toContain(
      'connected by cli · not synced yet',
    );
  });

  it('lists the records left out, escaped, and says why a sync failed', () => {
    const problems = Array.from({ length: 5 }, (_, i) => ({
      object: 'companies',
      id: String(1000 + i),
      property: 'name',
      problem: 'company name is required <!channel> & *bold*',
    }));
    const partial = crmHomeSection({ ...synced, status: 'partial', problems }, true);
    assertValidHome({ type: 'home', blocks: partial });
    expect(text(partial)).toContain('companies 1000 (name): company name is required &lt;!channel&gt; &amp;');
    expect(text(partial)).not.toContain('<!channel>');
    expect(text(partial)).toContain('…and 2 more');
    const failed = crmHomeSection(
      {
        ...synced,
        status: 'failed',
        problems: [{ object: 'companies', id: '', property: '', problem: 'HubSpot refused the token' }],
      },
      true,
    );
    expect(text(failed)).toContain(':x: last sync');
    expect(text(failed)).toContain('failed: HubSpot refused the token');
  });
});
