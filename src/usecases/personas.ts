/**
 * `/icp-persona` and `icp persona`: which personas, for which account, from our own data. The account's
 * context comes from a stored check (the tier the rep saw) or the account row scored under the current ICP.
 */
import type { Db } from '../../db/client.ts';
import { getAccount } from '../../db/queries/accounts.ts';
import type { Deps } from '../deps.ts';
import { factsFromAccount } from '../icp/engine.ts';
import type { Facts } from '../icp/types.ts';
import type { Committee, resolveCommittee } from '../personas/committee.ts';
import { listPersonas, matchPersonas } from '../personas/match.ts';
import type { Persona } from '../personas/spec.ts';
import {
  type AccountContext,
  type AccountRef,
  buildAccountContext,
  committeeFor,
  parsePersonaText,
} from '../personas/tailor.ts';
import type { Freshness } from '../slack/blocks/persona.ts';
import { type RenderContext, renderPersonaAnswer } from '../slack/blocks/persona-answer.ts';
import { loadCheck } from './check-company.ts';
import { type AccountSummary, resolveCompany } from './find-company.ts';
import type { IcpProvider } from './icp-provider.ts';

export interface ContextDeps {
  db: Db;
  icp: IcpProvider;
}

/**
 * The account's context, scoped to the workspace; null when the check or account does not exist there.
 * A check keeps the tier it was given (what the rep saw on the card); an account is scored now.
 */
export async function loadAccountContext(
  deps: ContextDeps,
  teamId: string,
  ref: AccountRef,
): Promise<AccountContext | null> {
  if ('check' in ref) {
    const loaded = await loadCheck(deps, teamId, ref.check);
    if (!loaded) return null;
    const { company, result } = loaded.outcome;
    const account = company.accountId !== null ? await getAccount(deps.db, teamId, company.accountId) : null;
    const base: Facts = account
      ? factsFromAccount(account)
      : { name: company.name, ...(company.domain ? { domain: company.domain } : {}) };
    const facts = { ...base, ...(loaded.logged.inline ?? {}) };
    return buildAccountContext(ref, company.name, company.domain, facts, result);
  }
  const account = await getAccount(deps.db, teamId, ref.account);
  if (!account) return null;
  const facts = factsFromAccount(account);
  const current = await deps.icp.current(teamId);
  return buildAccountContext(ref, account.name, account.domain, facts, current.compiled.score(facts));
}

export type CompanyLookup =
  | { kind: 'found'; context: AccountContext }
  | { kind: 'ambiguous'; query: string; candidates: AccountSummary[]; reason: string }
  | { kind: 'unknown'; query: string; suggestions: AccountSummary[] };

/** Finds the company a rep typed, like `/icp-check` does: one match, several to choose from, or none. */
export async function findCompany(deps: ContextDeps, teamId: string, text: string): Promise<CompanyLookup> {
  const query = text.trim();
  const r = await resolveCompany(deps.db, teamId, query);
  if (r.kind === 'ambiguous') return { kind: 'ambiguous', query, candidates: r.candidates, reason: r.reason };
  if (r.kind !== 'match') return { kind: 'unknown', query, suggestions: r.suggestions };
  const context = await loadAccountContext(deps, teamId, { account: r.account.id });
  return context ? { kind: 'found', context } : { kind: 'unknown', query, suggestions: [] };
}

export type PersonaAnswer =
  | { kind: 'help' }
  | { kind: 'list'; personas: Persona[]; query?: string; account?: AccountContext }
  | { kind: 'one'; persona: Persona; account?: AccountContext }
  | { kind: 'several'; query: string; personas: Persona[]; account?: AccountContext }
  | { kind: 'committee'; account: AccountContext; committee: Committee }
  | Exclude<CompanyLookup, { kind: 'found' }>;

/**
 * Answers `/icp-persona` (and `icp persona`) from the database only: one persona, several to pick from,
 * the list, or an account's buying committee. Company lookups behave like `/icp-check`.
 */
export async function answerPersonaQuery(
  deps: ContextDeps,
  spec: Parameters<typeof resolveCommittee>[0],
  teamId: string,
  text: string,
): Promise<PersonaAnswer> {
  const q = parsePersonaText(text);
  if (q.help) return { kind: 'help' };
  let account: AccountContext | undefined;
  if (q.company) {
    const found = await findCompany(deps, teamId, q.company);
    if (found.kind !== 'found') return found;
    account = found.context;
    if (!q.persona) return { kind: 'committee', account, committee: committeeFor(spec, account) };
  }
  const extra = account ? { account } : {};
  if (!q.persona) return { kind: 'list', personas: listPersonas(spec), ...extra };
  const m = matchPersonas(spec, q.persona);
  if (m.kind === 'one') return { kind: 'one', persona: m.persona, ...extra };
  if (m.kind === 'several')
    return { kind: 'several', query: q.persona, personas: m.personas.map((r) => r.persona), ...extra };
  return { kind: 'list', personas: m.all, query: q.persona, ...extra };
}

/** Staleness is measured against the current ICP's review cadence. */
export async function freshness(deps: Pick<Deps, 'icp' | 'now'>, teamId: string): Promise<Freshness> {
  const icp = await deps.icp.current(teamId);
  return { reviewEveryDays: icp.version.spec.review_every_days, today: new Date(deps.now()) };
}

/** Runs a query end to end (Slack and the CLI): current personas, the answer, and how to render it. */
export async function personaQuery(deps: Deps, teamId: string, text: string) {
  const current = await deps.personas.current(teamId);
  const answer = await answerPersonaQuery(deps, current.spec, teamId, text);
  const rc: RenderContext = {
    freshness: await freshness(deps, teamId),
    version: current.version,
    canTailor: deps.llm !== undefined,
  };
  return { answer, current, message: renderPersonaAnswer(answer, rc), rc };
}
