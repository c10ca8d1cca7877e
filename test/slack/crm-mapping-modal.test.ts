import { describe, expect, it } from 'vitest';
import type { CrmMapping } from '../../src/crm/mapping-review.ts';
import { CrmMappingIds, crmMappingModal, parseCrmMappingSubmission } from '../../src/slack/blocks/crm-mapping.ts';
import { LIMITS } from '../../src/slack/limits.ts';
import { assertValidModal } from '../helpers/blockkit.ts';

type Select = { initial_option?: { value: string }; options: { value: string }[] };
type Input = { type: string; block_id?: string; element?: Select };

function mapping(customs = 2, pipelines = 1): CrmMapping {
  const custom = Array.from({ length: customs }, (_, i) => `custom_${i}`);
  return {
    companies: {
      properties: ['hs_object_id', 'name', 'industry', 'hs_merged_object_ids', ...custom],
      mapped: {
        hs_object_id: 'externalId',
        name: 'name',
        industry: 'industry',
        ...Object.fromEntries(custom.map((c) => [c, `attributes.${c}`])),
      },
    },
    deals: {
      properties: ['hs_object_id', 'dealname', 'dealstage', 'amount'],
      mapped: { hs_object_id: 'externalId', dealname: 'name', dealstage: 'stage', amount: 'amount' },
    },
    stages: Array.from({ length: pipelines }, (_, p) =>
      (['open', 'won', 'lost'] as const).map((outcome, i) => ({
        pipelineId: `p${p}`,
        pipeline: `Pipeline ${p}`,
        stage: `${p}00${i}`,
        label: `Stage ${i} <!here>`,
        outcome,
      })),
    ).flat(),
    churn: { kind: 'property', property: 'churned_on' },
    catalog: {
      companies: [
        { name: 'name', label: 'Company name', type: 'string' },
        { name: 'churned_on', label: 'Churned on', type: 'date' },
        { name: 'closedate', label: 'Close date', type: 'datetime' },
      ],
      deals: [],
    },
    lifecycleStages: [{ value: 'churned', label: 'Churned' }],
  };
}

/** The view's state as Slack submits it with every select left at its initial option. */
function untouched(blocks: Input[]) {
  const values: Record<string, Record<string, { selected_option: { value: string } | null }>> = {};
  for (const b of blocks) {
    if (b.type !== 'input' || !b.block_id) continue;
    const v = b.element?.initial_option?.value;
    values[b.block_id] = { [CrmMappingIds.choice]: { selected_option: v ? { value: v } : null } };
  }
  return values;
}

describe('the CRM mapping modal (pure builder)', () => {
  it('has a select per property, per stage and for churn, each starting at the current choice', () => {
    const view = crmMappingModal(mapping(), 'proposed');
    assertValidModal(view);
    const inputs = view.blocks as Input[];
    const byId = (id: string) => inputs.find((b) => b.block_id === id)?.element;
    expect(byId(CrmMappingIds.property('companies', 'industry'))?.initial_option?.value).toBe('industry');
    expect(byId(CrmMappingIds.property('companies', 'custom_0'))?.initial_option?.value).toBe('attribute');
    expect(byId(CrmMappingIds.property('companies', 'hs_object_id'))).toBeUndefined();
    expect(byId(CrmMappingIds.stage('0001'))?.initial_option?.value).toBe('won');
    expect(byId(CrmMappingIds.churn)?.initial_option?.value).toBe('churned_on');
    expect(byId(CrmMappingIds.churn)?.options.map((o) => o.value)).toEqual([
      'none',
      'lifecycle:churned',
      'churned_on',
      'closedate',
    ]);
    expect(JSON.stringify(view)).toContain('Nothing syncs until you confirm it');
    expect(view.submit?.text).toBe('Confirm mapping');
  });

  it('submitted untouched, it confirms the mapping as shown', () => {
    const view = crmMappingModal(mapping(), 'confirmed');
    const { edits, errors } = parseCrmMappingSubmission(untouched(view.blocks as Input[]));
    expect(errors).toEqual({});
    expect(edits.churn).toBe('churned_on');
    expect(edits.set).toContain('companies.industry=industry');
    expect(edits.set).toContain('deals.amount=amount');
    expect(edits.stages).toEqual(['0000=open', '0001=won', '0002=lost']);
  });

  it('refuses one field chosen for two properties, under the second', () => {
    const values = untouched(crmMappingModal(mapping(), 'proposed').blocks as Input[]);
    values[CrmMappingIds.property('companies', 'custom_1')] = {
      [CrmMappingIds.choice]: { selected_option: { value: 'industry' } },
    };
    const { errors } = parseCrmMappingSubmission(values);
    expect(errors).toEqual({
      [CrmMappingIds.property('companies', 'custom_1')]:
        'industry already fills industry: keep one of the two as an attribute.',
    });
  });

  it('stays within Slack’s 100 blocks with hundreds of properties and stages, and says how many it left out', () => {
    const view = crmMappingModal(mapping(150, 20), 'changed');
    assertValidModal(view);
    expect(view.blocks.length).toBeLessThanOrEqual(LIMITS.viewBlocks);
    const shown = (view.blocks as Input[]).filter((b) => b.type === 'input').length;
    // 2 company fields + 150 customs + 3 deal fields + 60 stages, and the churn select.
    const all = 2 + 150 + 3 + 60;
    expect(JSON.stringify(view)).toContain(`${all - (shown - 1)} more properties and stages do not fit here`);
    expect(JSON.stringify(view)).toContain('icp crm mapping');
  });
});
