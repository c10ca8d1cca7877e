import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type IcpSpec, parseIcpYaml } from '../../src/icp/spec.ts';

export const seedPath = (name: string) => fileURLToPath(new URL(`../../db/seed/${name}`, import.meta.url));
export const loadSeed = (name: string): IcpSpec => parseIcpYaml(readFileSync(seedPath(name), 'utf8'));

/** A small valid ICP as YAML; `criteria` and `extra` are spliced in as YAML text. */
export function icpYaml(criteria: string, extra = ''): string {
  return `name: Test ICP
owners: [U0123ABCD]
review_every: 180d
tiers: { tier1: 75, tier2: 55, tier3: 35 }
criteria:
${criteria}
${extra}`;
}

export const baseCriteria = `  - id: industry
    label: Industry
    kind: category
    field: industry
    weight: 20
    values: [Software]
    partial: [Fintech]
    synonyms:
      Software: [technolgy, tech]
  - id: size
    label: Company size
    kind: range
    field: employees
    weight: 20
    ideal: { min: 50, max: 250 }
    bands:
      - { min: 20, max: 49, credit: 0.5 }
      - { min: 251, max: 500, credit: 0.5 }
  - id: geo
    label: Region
    kind: geo
    field: country
    weight: 20
    regions: [Nordics, DACH]
    partial_regions: [EMEA]
  - id: crm
    label: CRM
    kind: overlap
    field: tech_stack
    weight: 20
    values: [HubSpot, Salesforce, Pipedrive]
    full_at: 2
  - id: funding
    label: Recent funding
    kind: signal
    field: recent_funding
    weight: 20
`;

/** The base ICP with every criterion at weight 20 and two exclusions. */
export const baseSpec = (): IcpSpec =>
  parseIcpYaml(
    icpYaml(
      baseCriteria,
      `exclusions:
  - { id: gov, label: Government, reason: Long procurement, field: industry, in: [Government, Public sector] }
  - { id: big, label: Too big, reason: Stalls, field: employees, gt: 5000 }
`,
    ),
  );
