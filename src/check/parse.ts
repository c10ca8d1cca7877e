/**
 * Parses the text after `/icp-check` (or `icp check`): a company name, domain or URL, optional
 * `key=value` attributes, and optional free text describing the company.
 *
 *   acme.com
 *   "Acme Robotics" employees=120 country=SE
 *   Acme, 120-person Swedish fintech on Salesforce, Series B
 */
import type { FactValue } from '../icp/types.ts';

export interface ParsedCheck {
  /** What identifies the company (name, domain or URL); '' when only attributes were given. */
  company: string;
  /** Inline attributes, already mapped to canonical fact keys and typed. */
  attributes: Record<string, FactValue>;
  /** Free text after the company (for AI extraction), '' when none. */
  description: string;
  /** key=value pairs that could not be understood, with why. */
  problems: string[];
  /** True for `help` or empty text. */
  help: boolean;
}

/** Aliases users type → canonical fact keys. */
const keyAliases: Record<string, string> = {
  employees: 'employees',
  employee: 'employees',
  headcount: 'employees',
  size: 'employees',
  fte: 'employees',
  revenue: 'revenue',
  arr: 'revenue',
  turnover: 'revenue',
  country: 'country',
  hq: 'country',
  location: 'country',
  geo: 'country',
  industry: 'industry',
  sector: 'industry',
  vertical: 'industry',
  stack: 'tech_stack',
  tech: 'tech_stack',
  tech_stack: 'tech_stack',
  techstack: 'tech_stack',
  crm: 'tech_stack',
  funding: 'funding_stage',
  stage: 'funding_stage',
  funding_stage: 'funding_stage',
  round: 'funding_stage',
  growth: 'growth',
  model: 'business_model',
  business_model: 'business_model',
  domain: 'domain',
  website: 'domain',
  name: 'name',
};

const DOMAIN_LIKE = /^(https?:\/\/)?[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(\/\S*)?,?$/i;

const numericKeys = new Set(['employees', 'revenue', 'growth']);
const listKeys = new Set(['tech_stack']);

/** Parses "120", "1,200", "5k", "$2.5M", "12%", "3bn" into a number; null when it is not one. */
export function parseHumanNumber(text: string): number | null {
  const t = text
    .trim()
    .toLowerCase()
    .replace(/^[$€£]|^(usd|eur|gbp|sek)\s*/, '')
    .replace(/%$/, '');
  const m = /^(-?\d{1,3}(?:[,\s]\d{3})+|-?\d+(?:\.\d+)?)\s*(k|m|mm|bn|b)?$/.exec(t);
  if (!m) return null;
  const base = Number(m[1]!.replace(/[,\s]/g, ''));
  const mult = { k: 1e3, m: 1e6, mm: 1e6, b: 1e9, bn: 1e9 }[m[2] ?? ''] ?? 1;
  const n = base * mult;
  return Number.isFinite(n) ? n : null;
}

function parseBool(text: string): boolean | null {
  if (/^(true|yes|y|1|on)$/i.test(text)) return true;
  if (/^(false|no|n|0|off)$/i.test(text)) return false;
  return null;
}

/** Splits on whitespace but keeps "quoted strings" (straight or curly quotes, as Slack clients send) together. */
function tokenize(text: string): string[] {
  const out: string[] = [];
  const re = /(\S+?=)?(?:"([^"]*)"|“([^”]*)”|(\S+))/g;
  for (const m of text.matchAll(re)) {
    const key = m[1] ?? '';
    const value = m[2] ?? m[3] ?? m[4] ?? '';
    out.push(key + (m[2] !== undefined || m[3] !== undefined ? `\u0000${value}` : value));
  }
  return out;
}

export function parseCheckText(raw: string): ParsedCheck {
  const text = raw.replace(/\s+/g, ' ').trim();
  const result: ParsedCheck = { company: '', attributes: {}, description: '', problems: [], help: false };
  if (text === '' || /^(help|\?|-h|--help)$/i.test(text)) {
    result.help = true;
    return result;
  }
  const rest: string[] = [];
  for (const token of tokenize(text)) {
    const eq = token.indexOf('=');
    const keyPart = eq > 0 ? token.slice(0, eq) : '';
    if (eq > 0 && /^[a-z_][a-z0-9_]*$/i.test(keyPart)) {
      const rawKey = keyPart.toLowerCase();
      const value = token.slice(eq + 1).replace('\u0000', '');
      const key = keyAliases[rawKey] ?? rawKey;
      if (value === '') {
        result.problems.push(`${rawKey}= has no value`);
        continue;
      }
      if (numericKeys.has(key)) {
        const n = parseHumanNumber(value);
        if (n === null || n < 0) result.problems.push(`${rawKey}=${value}: expected a number like 120, 5k or 2.5M`);
        else result.attributes[key] = n;
      } else if (listKeys.has(key)) {
        result.attributes[key] = value
          .split(/[,+;/]/)
          .map((v) => v.trim())
          .filter(Boolean);
      } else {
        const b = parseBool(value);
        result.attributes[key] = key in keyAliases || b === null ? value : b;
      }
      continue;
    }
    rest.push(token.replace('\u0000', ''));
  }
  // A leading domain or URL identifies the company on its own; whatever follows describes it.
  if (rest.length > 1 && DOMAIN_LIKE.test(rest[0]!)) {
    result.company = rest[0]!.replace(/,$/, '');
    result.description = rest
      .slice(1)
      .join(' ')
      .replace(/^[,:;-]\s*/, '');
    return result;
  }
  const remainder = rest.join(' ').trim();
  // "Acme, 120-person Swedish fintech…": before the first comma is the company, after it the description.
  const comma = remainder.indexOf(',');
  if (comma > 0) {
    result.company = remainder.slice(0, comma).trim();
    result.description = remainder.slice(comma + 1).trim();
  } else {
    result.company = remainder;
  }
  if (!result.company && typeof result.attributes.name === 'string') result.company = result.attributes.name;
  if (!result.company && typeof result.attributes.domain === 'string') result.company = result.attributes.domain;
  return result;
}
