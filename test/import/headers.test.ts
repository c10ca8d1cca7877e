import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { detectFormat, headerKey, mapHeaders } from '../../src/import/headers.ts';
import { decideOutcome, outcomeFromStage } from '../../src/import/stages.ts';

const headersJson = fileURLToPath(
  new URL('../../../shared/data/crm-export-headers/crm_export_headers.json', import.meta.url),
);
const hasJson = existsSync(headersJson);
if (!hasJson && process.env.CI) throw new Error(`shared data missing: ${headersJson}`);

describe('detectFormat', () => {
  it('recognises HubSpot labels and internal names', () => {
    expect(detectFormat(['Record ID', 'Company name', 'Company Domain Name'])).toBe('hubspot');
    expect(detectFormat(['hs_object_id', 'dealname', 'dealstage', 'amount'])).toBe('hubspot');
  });
  it('recognises Salesforce labels and API names', () => {
    expect(detectFormat(['Opportunity ID', 'Opportunity Name', 'Stage', 'Won', 'Closed'])).toBe('salesforce');
    expect(detectFormat(['Id', 'Name', 'StageName', 'IsWon', 'IsClosed', 'AccountId'])).toBe('salesforce');
  });
  it('keeps home-made headers generic even when some words overlap', () => {
    expect(
      detectFormat([
        'opportunity_id',
        'sales_agent',
        'product',
        'account',
        'deal_stage',
        'engage_date',
        'close_date',
        'close_value',
      ]),
    ).toBe('generic');
    expect(detectFormat(['account_id', 'account_name', 'industry', 'country'])).toBe('generic');
  });
});

describe('mapHeaders', () => {
  it('ignores case, spacing and punctuation', () => {
    expect(headerKey('Company Domain Name')).toBe(headerKey('company_domain_name'));
    const m = mapHeaders('accounts', ['COMPANY NAME', 'number-of-employees', 'Country / Region', 'Notes']);
    expect(m.mapped).toEqual({
      'COMPANY NAME': 'name',
      'number-of-employees': 'employees',
      'Country / Region': 'country',
      Notes: 'attributes.notes',
    });
  });

  it('reads Maven revenue as millions from its column set', () => {
    const m = mapHeaders('accounts', [
      'account',
      'sector',
      'year_established',
      'revenue',
      'employees',
      'office_location',
      'subsidiary_of',
    ]);
    expect(m.revenueScale).toBe(1e6);
    expect(mapHeaders('accounts', ['name', 'revenue']).revenueScale).toBe(1);
  });

  it.skipIf(!hasJson)('maps every standard HubSpot and Salesforce column, by label and by API name', () => {
    const json = JSON.parse(readFileSync(headersJson, 'utf8')) as Record<string, unknown>;
    const expectations: [string, 'accounts' | 'deals', Record<string, string>][] = [
      [
        'hubspot_companies',
        'accounts',
        {
          'Record ID': 'externalId',
          'Company name': 'name',
          'Company Domain Name': 'domain',
          'Website URL': 'website',
          Industry: 'industry',
          'Number of Employees': 'employees',
          'Annual Revenue': 'revenue',
          'Country/Region': 'country',
        },
      ],
      [
        'salesforce_accounts',
        'accounts',
        {
          'Account ID': 'externalId',
          'Account Name': 'name',
          Industry: 'industry',
          'Annual Revenue': 'revenue',
          Employees: 'employees',
          'Billing Country': 'country',
          Website: 'website',
        },
      ],
      [
        'hubspot_deals',
        'deals',
        {
          'Record ID': 'externalId',
          'Deal Name': 'name',
          'Deal Stage': 'stage',
          Amount: 'amount',
          'Close Date': 'closedOn',
          'Create Date': 'createdOn',
          'Deal owner': 'owner',
          'Is Closed Won': 'isClosedWon',
          'Associated Company': 'accountName',
        },
      ],
      [
        'salesforce_opportunities',
        'deals',
        {
          'Opportunity ID': 'externalId',
          'Opportunity Name': 'name',
          Amount: 'amount',
          'Close Date': 'closedOn',
          Stage: 'stage',
          Closed: 'isClosed',
          Won: 'isWon',
          'Opportunity Owner': 'owner',
          'Created Date': 'createdOn',
        },
      ],
    ];
    for (const [section, kind, wanted] of expectations) {
      const table = json[section] as Record<string, string>;
      for (const [label, field] of Object.entries(wanted)) {
        const api = table[label];
        expect(api, `${section} lists ${label}`).toBeDefined();
        expect(mapHeaders(kind, [label]).mapped[label], `${section} label ${label}`).toBe(field);
        if (!api!.startsWith('(')) {
          expect(mapHeaders(kind, [api!]).mapped[api!], `${section} API name ${api}`).toBe(field);
        }
      }
      // Every other listed column is kept as an attribute, never dropped.
      for (const label of Object.keys(table)) {
        if (label.includes('/ Account ID')) continue;
        expect(mapHeaders(kind, [label]).mapped[label], `${section} ${label}`).toBeDefined();
      }
    }
    const sfOpp = json.salesforce_opportunities as Record<string, string>;
    expect(sfOpp['Account Name / Account ID']).toBe('AccountId');
    expect(mapHeaders('deals', ['Account Name', 'AccountId']).mapped).toEqual({
      'Account Name': 'accountName',
      AccountId: 'accountExternalId',
    });
  });

  it.skipIf(!hasJson)('reads every default HubSpot and Salesforce stage as the right outcome', () => {
    const json = JSON.parse(readFileSync(headersJson, 'utf8')) as {
      hubspot_default_pipeline_stages: Record<string, string>;
      salesforce_default_stage_picklist: string[];
    };
    for (const [label, id] of Object.entries(json.hubspot_default_pipeline_stages)) {
      const expected = label === 'Closed Won' ? 'won' : label === 'Closed Lost' ? 'lost' : 'open';
      expect(outcomeFromStage(label)).toBe(expected);
      expect(outcomeFromStage(id)).toBe(expected);
    }
    for (const label of json.salesforce_default_stage_picklist) {
      const expected = label === 'Closed Won' ? 'won' : label === 'Closed Lost' ? 'lost' : 'open';
      expect(outcomeFromStage(label)).toBe(expected);
    }
  });
});

describe('decideOutcome', () => {
  it('prefers explicit flags over renamed stages', () => {
    expect(decideOutcome({ stage: 'Signed', isWon: true, isClosed: true })).toBe('won');
    expect(decideOutcome({ stage: 'Dead', isWon: false, isClosed: true })).toBe('lost');
    expect(decideOutcome({ stage: 'Closed Won', isWon: false, isClosed: false })).toBe('open');
    expect(decideOutcome({ stage: 'closedlost', isClosedWon: false })).toBe('lost');
    expect(decideOutcome({ stage: 'Contract Sent', isClosedWon: false })).toBe('open');
    expect(decideOutcome({ stage: 'custom', isClosedWon: true })).toBe('won');
  });
  it('falls back to stage names', () => {
    expect(decideOutcome({ stage: 'Won' })).toBe('won');
    expect(decideOutcome({ stage: 'Lost' })).toBe('lost');
    expect(decideOutcome({ stage: 'Engaging' })).toBe('open');
    expect(decideOutcome({ stage: null })).toBe('open');
  });
});
