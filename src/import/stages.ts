/**
 * What a deal's stage means: won, lost or open. The CRMs' default stages (HubSpot's pipeline, the
 * Salesforce picklist) and common home-made names are known; a stage that is none of them is
 * "unknown" rather than quietly taken as open, and the import asks for a stage map
 * (`--stage-map "Banana=lost,Demo booked=open"`) that says what each of the team's own stages means.
 */
import { AppError, ErrorCode } from '../errors.ts';

export type Outcome = 'won' | 'lost' | 'open';

/** Stage key (see stageKey) → outcome, as the user gave it. */
export type StageMap = ReadonlyMap<string, Outcome>;

/** "Closed Won", "closed_won" and "closedwon" are one stage. */
export const stageKey = (stage: string): string => stage.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');

const WON_KEYS = new Set(['won', 'closedwon', 'win', 'dealwon']);
const LOST_KEYS = new Set(['lost', 'closedlost', 'loss', 'deallost']);
// HubSpot's default pipeline (labels and internal ids share keys), Salesforce's default picklist,
// Maven CRM's pipeline, and the generic names home-made pipelines use.
const OPEN_KEYS = new Set([
  'appointmentscheduled',
  'qualifiedtobuy',
  'presentationscheduled',
  'decisionmakerboughtin',
  'contractsent',
  'prospecting',
  'qualification',
  'needsanalysis',
  'valueproposition',
  'iddecisionmakers',
  'perceptionanalysis',
  'proposalpricequote',
  'negotiationreview',
  'engaging',
  'open',
  'new',
  'lead',
  'prospect',
  'qualified',
  'discovery',
  'demo',
  'proposal',
  'negotiation',
  'contract',
  'inprogress',
  'pipeline',
]);

/** Outcome from a stage label or internal id: Won/Closed Won/closedwon → won, Lost/… → lost, known open stages → open. */
export function outcomeFromStage(stage: string | null, map?: StageMap): Outcome | 'unknown' {
  if (!stage) return 'open';
  const key = stageKey(stage);
  const mapped = map?.get(key);
  if (mapped) return mapped;
  if (WON_KEYS.has(key)) return 'won';
  if (LOST_KEYS.has(key)) return 'lost';
  if (OPEN_KEYS.has(key)) return 'open';
  const words = stage.toLowerCase().split(/[^a-z]+/);
  if (words.includes('won')) return 'won';
  if (words.includes('lost')) return 'lost';
  return 'unknown';
}

/**
 * Outcome from explicit flags where the export has them (HubSpot "Is Closed Won", Salesforce
 * IsWon + IsClosed: orgs rename stages, the flags stay true), otherwise from the stage name.
 * 'unknown' when the flags leave it to a stage nobody said the meaning of.
 */
export function decideOutcome(
  flags: {
    stage: string | null;
    isClosedWon?: boolean | null | undefined;
    isWon?: boolean | null | undefined;
    isClosed?: boolean | null | undefined;
  },
  map?: StageMap,
): Outcome | 'unknown' {
  if (flags.isClosed === false) return 'open';
  if (flags.isWon === true || flags.isClosedWon === true) return 'won';
  const byStage = outcomeFromStage(flags.stage, map);
  if (flags.isClosed === true) return flags.isWon === false ? 'lost' : byStage === 'won' ? 'won' : 'lost';
  if (flags.isWon === false || flags.isClosedWon === false) return byStage === 'won' ? 'open' : byStage;
  return byStage;
}

const OUTCOMES = new Set<string>(['won', 'lost', 'open']);

/**
 * Parses `--stage-map` values: comma-separated `Stage=won|lost|open` pairs ("Banana=lost,Demo
 * booked=open"); several values add up. Throws a BadInput AppError naming the pair it cannot read.
 */
export function parseStageMap(values: readonly string[]): Map<string, Outcome> {
  const map = new Map<string, Outcome>();
  for (const value of values) {
    for (const pair of value.split(',')) {
      if (pair.trim() === '') continue;
      const eq = pair.lastIndexOf('=');
      const stage = eq > 0 ? pair.slice(0, eq).trim() : '';
      const outcome =
        eq > 0
          ? pair
              .slice(eq + 1)
              .trim()
              .toLowerCase()
          : '';
      if (!stage || !OUTCOMES.has(outcome) || stageKey(stage) === '') {
        throw new AppError(
          ErrorCode.BadInput,
          `--stage-map: cannot read “${pair.trim()}”; write Stage=won, Stage=lost or Stage=open, separated by commas.`,
        );
      }
      map.set(stageKey(stage), outcome as Outcome);
    }
  }
  return map;
}
