import { describe, expect, it } from 'vitest';
import { describeWriteback } from '../../src/cli/crm-writeback.ts';

describe('icp writeback: the outcome in words', () => {
  it('names the CRM written to and each record it refused', () => {
    const lines = describeWriteback({
      status: 'partial',
      provider: 'salesforce',
      icpVersion: 3,
      written: 449,
      unchanged: 0,
      refused: 1,
      problems: [
        { id: '001000000000033AAA', name: 'Account 33', problem: 'FIELD_CUSTOM_VALIDATION_EXCEPTION: in review' },
      ],
    });
    expect(lines[0]).toBe(
      'Write-back to Salesforce (ICP v3): 449 companies written, 0 unchanged, 1 refused by Salesforce (tried again next run):',
    );
    expect(lines[1]).toContain(
      'Account 33 (Salesforce id 001000000000033AAA): FIELD_CUSTOM_VALIDATION_EXCEPTION: in review',
    );
    expect(
      describeWriteback({
        status: 'ok',
        provider: 'hubspot',
        icpVersion: 1,
        written: 2,
        unchanged: 5,
        refused: 0,
        problems: [],
      }),
    ).toEqual(['Write-back to HubSpot (ICP v1): 2 companies written, 5 unchanged.']);
  });
});
