/**
 * App Home's "Review field mapping" modal: one select per CRM property (bot field, keep as attribute,
 * ignore), one per deal stage (won, lost, open), and one for the churn signal; submitting confirms the
 * mapping. Pure builders on the kit, validated against Block Kit in tests. What does not fit Slack's 100
 * blocks is said, with the CLI command that shows and changes all of it.
 */
import { type CrmMapping, churnCandidates, FIELD_CHOICES, FIXED } from '../../crm/mapping-review.ts';
import type { CrmObject } from '../../crm/source.ts';
import { context, header, input, LIMITS, modalText, option, placeholder, section } from './kit.ts';
import type { Block, ModalView } from './types.ts';

export const CrmMappingIds = {
  /** The App Home button that opens the modal. */
  review: 'crm_mapping_review',
  /** App Home's "Connect HubSpot" link button (Slack still sends an action for it: acked, nothing to do). */
  connect: 'crm_connect',
  /** App Home's "Connect Salesforce" link button (acked like the HubSpot one). */
  connectSalesforce: 'crm_connect_salesforce',
  callback: 'crm_mapping_confirm',
  /** Every select's action_id (block ids say what each one is). */
  choice: 'choice',
  churn: 'crm_churn',
  property: (object: CrmObject, name: string) => `crm_p:${object}:${name}`,
  stage: (id: string) => `crm_s:${id}`,
} as const;

export type MappingModalStatus = 'proposed' | 'confirmed' | 'changed';

const OBJECT_TITLE: Record<CrmObject, string> = { companies: 'Companies', deals: 'Deals' };
const OUTCOMES = [
  ['won', 'Won'],
  ['lost', 'Lost'],
  ['open', 'Open'],
] as const;

type Option = ReturnType<typeof option>;

function select(options: Option[], initial: Option | undefined): Block {
  const opts = options.slice(0, LIMITS.selectOptions);
  const init = initial && opts.some((o) => o.value === initial.value) ? initial : undefined;
  return {
    type: 'static_select',
    action_id: CrmMappingIds.choice,
    placeholder: placeholder('Choose'),
    options: opts,
    ...(init ? { initial_option: init } : {}),
  };
}

/** A property's choices: every field of its object, keep as an attribute, ignore. */
function propertyOptions(object: CrmObject): Option[] {
  return [
    ...FIELD_CHOICES[object].map((f) => option(`Field: ${f}`, f)),
    option('Keep as attribute', 'attribute'),
    option('Ignore', 'ignore'),
  ];
}

const targetValue = (t: string) => (t.startsWith('attributes.') ? 'attribute' : t);

/** The churn choices: none, each company date property, each lifecycle stage's entry date. */
function churnOptions(m: CrmMapping): { options: Option[]; initial: Option | undefined } {
  const current =
    m.churn.kind === 'none' ? 'none' : m.churn.kind === 'lifecycle' ? `lifecycle:${m.churn.stage}` : m.churn.property;
  const all: Option[] = [option('None (CSV imports only)', 'none')];
  for (const s of m.lifecycleStages) {
    const v = `lifecycle:${s.value}`;
    if (v.length <= LIMITS.optionValue) all.push(option(`Entered lifecycle stage: ${s.label}`, v));
  }
  for (const p of churnCandidates(m)) {
    if (p.name.length <= LIMITS.optionValue) all.push(option(`Date: ${p.label} (${p.name})`, p.name));
  }
  // The current signal is always among the options Slack is sent.
  if (!all.some((o) => o.value === current) && current.length <= LIMITS.optionValue) {
    all.splice(1, 0, option(current, current));
  }
  const kept = all.slice(0, LIMITS.selectOptions);
  const held = kept.find((o) => o.value === current);
  if (!held) {
    const cur = all.find((o) => o.value === current);
    if (cur) kept[kept.length - 1] = cur;
  }
  return { options: kept, initial: kept.find((o) => o.value === current) };
}

const fits = (blockId: string) => blockId.length <= LIMITS.blockId;

/** The modal for the team's working mapping. */
export function crmMappingModal(m: CrmMapping, status: MappingModalStatus, provider = 'HubSpot'): ModalView {
  const intro =
    status === 'proposed'
      ? `Proposed when ${provider} was connected. *Nothing syncs until you confirm it.* Custom properties are kept as attributes, like extra CSV columns, so \`icp suggest\` can use them.`
      : status === 'changed'
        ? 'Changed since it was confirmed: syncs use the confirmed mapping until you confirm again.'
        : 'Confirmed. Changing it and confirming again re-reads every record at the next sync.';
  const blocks: Block[] = [section(intro)];
  // Slack's 100 blocks: the churn signal and the fixed headers first, then properties and stages in order.
  const budget = LIMITS.viewBlocks - 1 /* intro */ - 2 /* churn */ - 3 /* headers */ - 1; /* what did not fit */
  let used = 0;
  let left = 0;
  const churn = churnOptions(m);
  blocks.push(
    header('Churn signal'),
    input('Which company date says it churned', select(churn.options, churn.initial), {
      blockId: CrmMappingIds.churn,
      hint: 'A churn date property, or the day a company entered a lifecycle stage; churn events count in the drift report as imported ones do.',
    }),
  );
  for (const object of ['companies', 'deals'] as const) {
    const labels = new Map(m.catalog[object].map((p) => [p.name, p.label]));
    const entries = Object.entries(m[object].mapped).filter(([p]) => !FIXED.has(p));
    const rows: Block[] = [];
    const options = propertyOptions(object);
    for (const [name, target] of entries) {
      const blockId = CrmMappingIds.property(object, name);
      if (used >= budget || !fits(blockId)) {
        left++;
        continue;
      }
      const label = labels.get(name);
      rows.push(
        input(
          label && label !== name ? `${label} (${name})` : name,
          select(
            options,
            options.find((o) => o.value === targetValue(target)),
          ),
          { blockId },
        ),
      );
      used++;
    }
    if (rows.length > 0) blocks.push(header(`${OBJECT_TITLE[object]}: property → bot field`), ...rows);
  }
  const stageRows: Block[] = [];
  const outcomes = OUTCOMES.map(([v, t]) => option(t, v));
  for (const s of m.stages) {
    const blockId = CrmMappingIds.stage(s.stage);
    if (used >= budget || !fits(blockId)) {
      left++;
      continue;
    }
    stageRows.push(
      input(
        `${s.pipeline}: ${s.label}`,
        select(
          outcomes,
          outcomes.find((o) => o.value === s.outcome),
        ),
        { blockId },
      ),
    );
    used++;
  }
  if (stageRows.length > 0) blocks.push(header('Deal stages: what a deal there counts as'), ...stageRows);
  if (left > 0) {
    blocks.push(
      context(
        `${left} more ${left === 1 ? 'property or stage does' : 'properties and stages do'} not fit here and keep their current choice: \`icp crm mapping\` shows and changes every one.`,
      ),
    );
  }
  return {
    type: 'modal',
    callback_id: CrmMappingIds.callback,
    title: modalText('CRM field mapping'),
    submit: modalText(status === 'confirmed' ? 'Confirm again' : 'Confirm mapping'),
    close: modalText('Cancel'),
    blocks,
  };
}

type StateValues = Record<string, Record<string, { selected_option?: { value: string } | null }>>;

/** The submitted choices as mapping edits, and the blocks to show an error under (a field chosen twice). */
export function parseCrmMappingSubmission(values: StateValues): {
  edits: { set: string[]; stages: string[]; churn?: string };
  errors: Record<string, string>;
} {
  const set: string[] = [];
  const stages: string[] = [];
  const errors: Record<string, string> = {};
  let churn: string | undefined;
  const taken = new Map<string, string>();
  for (const [blockId, actions] of Object.entries(values)) {
    const v = actions[CrmMappingIds.choice]?.selected_option?.value;
    if (!v) continue;
    if (blockId === CrmMappingIds.churn) churn = v;
    const p = /^crm_p:(companies|deals):(.+)$/.exec(blockId);
    if (p) {
      const [, object, name] = p;
      if (v !== 'attribute' && v !== 'ignore') {
        const other = taken.get(`${object}:${v}`);
        if (other) errors[blockId] = `${other} already fills ${v}: keep one of the two as an attribute.`;
        else taken.set(`${object}:${v}`, name!);
      }
      set.push(`${object}.${name}=${v}`);
    }
    const s = /^crm_s:(.+)$/.exec(blockId);
    if (s) stages.push(`${s[1]}=${v}`);
  }
  return { edits: { set, stages, ...(churn !== undefined ? { churn } : {}) }, errors };
}
