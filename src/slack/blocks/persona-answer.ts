/** A persona use-case answer (src/usecases/personas.ts) as a message: pure, shared by Slack and the CLI. */
import type { AccountContext } from '../../personas/tailor.ts';
import type { PersonaAnswer } from '../../usecases/personas.ts';
import {
  type AccountFacts,
  committeeCard,
  companyPicker,
  type Freshness,
  personaCard,
  personaHelp,
  personaList,
  personaPicker,
  unknownCompany,
} from './persona.ts';
import type { Message } from './types.ts';

export function refOf(account: AccountContext | undefined): { account?: number; check?: number } {
  return account ? { ...account.ref } : {};
}

export function accountFacts(a: AccountContext): AccountFacts {
  return {
    name: a.name,
    domain: a.domain,
    tier: a.tier,
    score: a.score,
    industry: a.industry,
    segment: a.segment,
    employees: a.employees,
    country: a.country,
    icpVersion: a.icpVersion,
    lines: a.lines,
  };
}

export interface RenderContext {
  freshness: Freshness;
  version: number;
  canTailor: boolean;
}

/** The message for a use-case answer. */
export function renderPersonaAnswer(answer: PersonaAnswer, rc: RenderContext): Message {
  const { freshness: f, version } = rc;
  switch (answer.kind) {
    case 'help':
      return personaHelp();
    case 'one':
      return personaCard(answer.persona, {
        freshness: f,
        version,
        canTailor: rc.canTailor,
        ...(answer.account ? { account: { ref: refOf(answer.account), name: answer.account.name } } : {}),
      });
    case 'several':
      return personaPicker(answer.query, answer.personas, f, refOf(answer.account));
    case 'list':
      return personaList(answer.personas, {
        freshness: f,
        version,
        ref: refOf(answer.account),
        ...(answer.query !== undefined ? { query: answer.query } : {}),
      });
    case 'committee':
      return committeeCard(accountFacts(answer.account), answer.committee, {
        ref: refOf(answer.account),
        freshness: f,
        version,
      });
    case 'ambiguous':
      return companyPicker(answer.query, answer.candidates, answer.reason);
    case 'unknown':
      return unknownCompany(answer.query, answer.suggestions);
  }
}
