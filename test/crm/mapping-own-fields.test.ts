import { describe, expect, it } from 'vitest';
import { proposeObjectMapping } from '../../src/crm/mapping.ts';

const prop = (name: string, hubspotDefined: boolean) => ({ name, label: name, type: 'string', hubspotDefined });

describe('HubSpot mapping proposal', () => {
  it('keeps custom company properties as attributes, but never the write-back’s own', () => {
    const m = proposeObjectMapping('companies', [
      prop('name', true),
      prop('segment', false),
      prop('icp_fit_score', false),
      prop('icp_tier', false),
      prop('icp_version', false),
      prop('icp_explanation', false),
    ]);
    expect(m.properties).toContain('segment');
    expect(m.properties.filter((p) => p.startsWith('icp_'))).toEqual([]);
  });
});
