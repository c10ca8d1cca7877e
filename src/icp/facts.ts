/** The facts an ICP reads, from a stored account row, and the names of the fields it reads. Pure. */
import type { IcpSpec } from './spec.ts';
import type { Facts, FactValue } from './types.ts';

/** Canonical facts keys that come from account columns rather than the free-form attributes. */
const columnKeys = ['name', 'domain', 'industry', 'employees', 'revenue', 'country'] as const;

function snakeKey(k: string): string {
  return k
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

function asFactValue(v: unknown): FactValue | null {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (Array.isArray(v)) {
    const items = v.filter((x) => x != null && typeof x !== 'object').map((x) => String(x));
    return items.length ? items : null;
  }
  return null;
}

/**
 * Flatten a stored account into Facts: the columns, plus every scalar or list in `attributes` under a
 * snake_case key ("Tech Stack" → tech_stack). Columns win over attributes of the same name unless null.
 */
export function factsFromAccount(row: {
  name: string;
  domain: string | null;
  industry: string | null;
  employees: number | null;
  revenue: number | null;
  country: string | null;
  attributes: unknown;
}): Facts {
  const facts: Record<string, FactValue | null> = {};
  if (row.attributes && typeof row.attributes === 'object' && !Array.isArray(row.attributes)) {
    for (const [k, v] of Object.entries(row.attributes as Record<string, unknown>)) {
      const key = snakeKey(k);
      const fv = asFactValue(v);
      if (key !== '' && fv !== null && facts[key] == null) facts[key] = fv;
    }
  }
  for (const k of columnKeys) {
    const v = row[k];
    if (v !== null && v !== undefined) facts[k] = v;
  }
  return facts;
}

/** Text for the facts an ICP reads, e.g. "industry, employees, country" (for prompts and help). */
export function fieldsRead(spec: IcpSpec): string[] {
  const out: string[] = [];
  for (const x of [...spec.criteria, ...spec.exclusions]) if (!out.includes(x.field)) out.push(x.field);
  return out;
}
