/**
 * The `/icp-check` use case, free of Slack: parse what the user typed, confirm which company it is,
 * merge stored facts with inline (and optionally AI-extracted) ones, score deterministically, log it.
 */
import type { Db } from '../../db/client.ts';
import { getAccount } from '../../db/queries/accounts.ts';
import { getCheck, logCheck } from '../../db/queries/checks.ts';
import type { Llm } from '../ai/llm.ts';
import { type ParsedCheck, parseCheckText } from '../check/parse.ts';
import { factsFromAccount, fieldsRead } from '../icp/engine.ts';
import type { Facts, FactValue, ScoreResult } from '../icp/types.ts';
import { clipText } from '../text.ts';
import { type AccountSummary, findCompany } from './find-company.ts';
import type { CurrentIcp, IcpProvider } from './icp-provider.ts';

/** What the log keeps of the typed text (a whole character or emoji is never cut in half). */
const MAX_LOGGED_QUERY = 2000;

export interface CheckDeps {
  db: Db;
  icp: IcpProvider;
  /** Absent when no OpenAI key is configured. */
  llm: Llm | undefined;
  now?: () => number;
}

export interface CheckedCompany {
  accountId: number | null;
  name: string;
  domain: string | null;
  /** False when the company is not in the CRM data and was scored from typed attributes only. */
  known: boolean;
}

export type CheckOutcome =
  | { kind: 'help' }
  | {
      kind: 'scored';
      checkId: number;
      company: CheckedCompany;
      result: ScoreResult;
      icpName: string;
      /** Lookup warnings (e.g. the name contradicts the domain) and typed values that were ignored. */
      warnings: string[];
      /** Fact keys whose value came from the user's inline attributes or from AI extraction. */
      origins: Record<string, 'inline' | 'ai'>;
      /** Why AI extraction did not run or failed, when there was a description. */
      aiNote: string | null;
      query: string;
    }
  | { kind: 'ambiguous'; query: string; candidates: AccountSummary[]; reason: string }
  /** The account asked for by id (a candidate button, a re-score) is not, or no longer, the team's. */
  | { kind: 'gone' }
  | {
      kind: 'unknown';
      query: string;
      name: string;
      suggestions: AccountSummary[];
      warnings: string[];
      aiNote: string | null;
    };

export interface CheckRequest {
  teamId: string;
  userId: string;
  text: string;
  /** Score this account directly (a candidate button, or a re-score after "Add missing details"). */
  accountId?: number;
  /** Values to use for this check only (the details modal). */
  overrides?: Record<string, FactValue>;
  /** Run AI extraction on the description (the slow path); false skips it even with a key. */
  useAi?: boolean;
}

/** True when this text would need the model (so the Slack layer can ack first and answer later). */
export function needsAi(text: string, llm: Llm | undefined): boolean {
  return llm !== undefined && parseCheckText(text).description !== '';
}

async function extract(
  deps: CheckDeps,
  parsed: ParsedCheck,
  useAi: boolean,
): Promise<{ facts: Record<string, FactValue>; note: string | null }> {
  if (!parsed.description) return { facts: {}, note: null };
  if (!deps.llm) {
    return {
      facts: {},
      note: 'AI extraction is off (no OpenAI key configured): only key=value details were used, e.g. employees=120 country=SE.',
    };
  }
  if (!useAi) return { facts: {}, note: null };
  const r = await deps.llm.extractFirmographics(parsed.description);
  if (!r.ok)
    return {
      facts: {},
      note: `AI extraction was skipped because ${r.reason}; scored on the stored and typed data only.`,
    };
  return { facts: r.value, note: null };
}

function scoreWith(
  current: CurrentIcp,
  base: Facts,
  inline: Record<string, FactValue>,
  ai: Record<string, FactValue>,
): { result: ScoreResult; origins: Record<string, 'inline' | 'ai'>; facts: Facts } {
  const origins: Record<string, 'inline' | 'ai'> = {};
  const facts: Record<string, FactValue | null | undefined> = { ...base };
  // Stored data wins over the model; what the user typed wins over both.
  for (const [k, v] of Object.entries(ai)) {
    if (facts[k] === undefined || facts[k] === null) {
      facts[k] = v;
      origins[k] = 'ai';
    }
  }
  for (const [k, v] of Object.entries(inline)) {
    facts[k] = v;
    origins[k] = 'inline';
  }
  return { result: explain(current, facts, origins), origins, facts };
}

/** The explained score of `facts`, each line marked with where its value came from. */
function explain(current: CurrentIcp, facts: Facts, origins: Record<string, 'inline' | 'ai'>): ScoreResult {
  const result = current.compiled.score(facts);
  for (const line of result.lines) {
    const o = origins[line.field];
    if (o) line.origin = o;
  }
  return result;
}

/**
 * What the check log keeps of a scored check: the inputs, not the rendered explanation. The engine is
 * deterministic, so the facts the ICP read plus the version number reproduce every line exactly
 * (`loadCheck`), at a fraction of the size the full explanation takes on every check.
 */
export interface LoggedCheck {
  company: CheckedCompany;
  /** The facts the ICP version reads (its criteria and exclusions), as scored. */
  facts: Facts;
  origins: Record<string, 'inline' | 'ai'>;
  /** What the user typed as key=value (and in the details modal): kept for a re-score with more details. */
  inline: Record<string, FactValue>;
  icpName: string;
  /** Older log rows stored the full explanation instead of `facts`. */
  result?: ScoreResult;
}

export type ScoredOutcome = Extract<CheckOutcome, { kind: 'scored' }>;

/**
 * A logged check, re-scored from its stored facts under the ICP version it was made with (for Share,
 * the details and wrong-tier modals). Scoped to the workspace; null when it is not this team's check.
 */
export async function loadCheck(
  deps: Pick<CheckDeps, 'db' | 'icp'>,
  teamId: string,
  checkId: number,
): Promise<{ logged: LoggedCheck; outcome: ScoredOutcome } | null> {
  const row = await getCheck(deps.db, teamId, checkId);
  if (!row?.result || row.icpVersion === null) return null;
  const logged = row.result as LoggedCheck;
  let result = logged.result;
  if (!result) {
    const icp = await deps.icp.at(teamId, row.icpVersion);
    if (!icp || !logged.facts) return null;
    result = explain(icp, logged.facts, logged.origins ?? {});
  }
  return {
    logged,
    outcome: {
      kind: 'scored',
      checkId: row.id,
      company: logged.company,
      result,
      icpName: logged.icpName ?? '',
      warnings: [],
      origins: logged.origins ?? {},
      aiNote: null,
      query: row.query,
    },
  };
}

/** Runs one check end to end and logs it. Never throws for bad user text: it answers instead. */
export async function checkCompany(deps: CheckDeps, req: CheckRequest): Promise<CheckOutcome> {
  const started = (deps.now ?? Date.now)();
  const parsed = parseCheckText(req.text);
  if (parsed.help && req.accountId === undefined && !req.overrides) return { kind: 'help' };
  const inline = { ...parsed.attributes, ...(req.overrides ?? {}) };
  const warnings = [...parsed.problems.map((p) => `Ignored ${p}.`)];

  let company: CheckedCompany;
  let base: Facts = {};
  if (req.accountId !== undefined) {
    const account = await getAccount(deps.db, req.teamId, req.accountId);
    if (!account) return { kind: 'gone' };
    company = { accountId: account.id, name: account.name, domain: account.domain, known: true };
    base = factsFromAccount(account);
  } else if (parsed.company) {
    const { resolution, row } = await findCompany(deps.db, req.teamId, parsed.company);
    if (resolution.kind === 'ambiguous') {
      return { kind: 'ambiguous', query: req.text, candidates: resolution.candidates, reason: resolution.reason };
    }
    if (resolution.kind === 'match') {
      const account = row ?? (await getAccount(deps.db, req.teamId, resolution.account.id));
      if (!account) throw new Error(`account ${resolution.account.id} vanished during a check`);
      company = { accountId: account.id, name: account.name, domain: account.domain, known: true };
      base = factsFromAccount(account);
      if (resolution.warning) warnings.unshift(resolution.warning);
      if (resolution.via === 'fuzzy') {
        warnings.unshift(
          `“${parsed.company}” is not an exact match: scored ${account.name}${account.domain ? ` (${account.domain})` : ''}, the closest name.`,
        );
      }
    } else {
      const ai = await extract(deps, parsed, req.useAi ?? true);
      const typed = { ...ai.facts, ...inline };
      if (Object.keys(typed).length === 0) {
        return {
          kind: 'unknown',
          query: req.text,
          name: parsed.company,
          suggestions: resolution.suggestions,
          warnings,
          aiNote: ai.note,
        };
      }
      const domain = resolution.query.domain ?? null;
      company = { accountId: null, name: resolution.query.name ?? parsed.company, domain, known: false };
      base = { name: company.name, ...(domain ? { domain } : {}) };
      return finish(deps, req, company, base, inline, ai.facts, ai.note, warnings, started);
    }
  } else {
    company = { accountId: null, name: 'Unnamed company', domain: null, known: false };
  }
  const ai = await extract(deps, parsed, req.useAi ?? true);
  return finish(deps, req, company, base, inline, ai.facts, ai.note, warnings, started);
}

/** A scored check's answer and what the log keeps of it, under one ICP version. */
function answer(
  current: CurrentIcp,
  company: CheckedCompany,
  base: Facts,
  inline: Record<string, FactValue>,
  ai: Record<string, FactValue>,
) {
  const { result, origins, facts } = scoreWith(current, base, inline, ai);
  const read: Record<string, FactValue> = {};
  for (const field of fieldsRead(current.compiled.spec)) {
    const v = facts[field];
    if (v !== null && v !== undefined) read[field] = v;
  }
  const logged: LoggedCheck = { company, facts: read, origins, inline, icpName: current.version.name };
  return { result, origins, logged, icpName: current.version.name };
}

/** Scores under the team's current ICP and commits the log row before returning the answer. */
async function finish(
  deps: CheckDeps,
  req: CheckRequest,
  company: CheckedCompany,
  base: Facts,
  inline: Record<string, FactValue>,
  aiFacts: Record<string, FactValue>,
  aiNote: string | null,
  warnings: string[],
  started: number,
): Promise<CheckOutcome> {
  const a = answer(await deps.icp.current(req.teamId), company, base, inline, aiFacts);
  const latencyMs = Math.max(0, Math.round((deps.now ?? Date.now)() - started));
  // Committed before the answer exists: its buttons (Share, Add details, Wrong tier) read this row.
  const checkId = await logCheck(deps.db, {
    teamId: req.teamId,
    userId: req.userId,
    query: clipText(req.text, MAX_LOGGED_QUERY),
    accountId: company.accountId,
    companyName: company.name,
    score: a.result.score,
    tier: a.result.tierRange ? 'unknown' : a.result.tier,
    icpVersion: a.result.icpVersion,
    latencyMs,
    result: a.logged,
  });
  return {
    kind: 'scored',
    checkId,
    company,
    result: a.result,
    icpName: a.icpName,
    warnings,
    origins: a.origins,
    aiNote,
    query: req.text,
  };
}
