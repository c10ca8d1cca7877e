/** A check outcome as a message (Slack, the CLI) or as blocks inside the "Check a company" modal. */
import type { CheckOutcome } from '../../usecases/check-company.ts';
import { accountGone, ambiguousCard, checkCard, checkHelp, unknownCard } from './check.ts';
import type { Block, Message } from './types.ts';

export function renderOutcome(outcome: CheckOutcome): Message {
  switch (outcome.kind) {
    case 'help':
      return checkHelp();
    case 'scored':
      return checkCard(outcome);
    case 'ambiguous':
      return ambiguousCard(outcome.query, outcome.candidates, outcome.reason);
    case 'unknown':
      return unknownCard(outcome.name, outcome.suggestions, outcome.warnings, outcome.aiNote, outcome.name);
    case 'gone':
      return accountGone();
  }
}

/**
 * An outcome as blocks inside the Home tab's "Check a company" modal: the same builders, without the
 * buttons that need a message to act on (share, add details, wrong tier, personas). Candidate buttons
 * stay: picking one updates the modal.
 */
export function renderOutcomeInModal(outcome: CheckOutcome): Block[] {
  switch (outcome.kind) {
    case 'help':
      return checkHelp().blocks;
    case 'scored':
      return checkCard(outcome, { buttons: false }).blocks;
    case 'ambiguous':
      return ambiguousCard(outcome.query, outcome.candidates, outcome.reason).blocks;
    case 'unknown':
      return unknownCard(outcome.name, outcome.suggestions, outcome.warnings, outcome.aiNote, null).blocks;
    case 'gone':
      return accountGone().blocks;
  }
}
