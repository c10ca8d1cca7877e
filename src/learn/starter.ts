/**
 * The starter ICP a workspace's own data suggests while the example ICP is still in charge (see
 * src/usecases/starter-icp.ts), and its wording for the text surfaces (CLI, console). Pure.
 */
import { joinWords } from '../icp/describe.ts';

export interface StarterIcp {
  /**
   * 'found': the data proposes an ICP; 'none': no attribute separates wins from losses (or no proposal held
   * up); 'computing': the data is large and its suggestion is being computed in the background (App Home).
   */
  signal: 'found' | 'none' | 'computing';
  /** Accounts in the data ('computing' only). */
  accounts?: number;
  /** Decided deals the suggestion learned from. */
  decided: number;
  /** The proposal's criteria, by label ('found' only). */
  attributes: string[];
  /** The suggestion's own sentence: what separates wins from losses, or why nothing is proposed. */
  summary: string;
}

/** How a surface names the commands: how to see the proposal, and how to apply it. */
export interface StarterCommands {
  see: string;
  apply: string;
}

/** One paragraph for text surfaces (CLI, console); App Home renders the same facts as blocks. */
export function starterText(s: StarterIcp, how: StarterCommands): string {
  const deals = s.decided.toLocaleString('en-US');
  if (s.signal === 'computing') {
    return `Your data is being profiled for a starter ICP (${(s.accounts ?? 0).toLocaleString('en-US')} accounts): see it with ${how.see}.`;
  }
  if (s.signal === 'found') {
    const n = s.attributes.length;
    return (
      `Your data suggests an ICP: ${n} attribute${n === 1 ? ' separates' : 's separate'} wins from losses ` +
      `in ${deals} decided deals (${joinWords(s.attributes, 'and')}), and the example ICP is still in charge. ` +
      `See it with ${how.see}, apply it with ${how.apply}.`
    );
  }
  return (
    `No starter ICP from your data: ${s.summary.replace(/\.$/, '')}. The example ICP stays in charge: ` +
    'edit it to your market (start from db/seed/icp.default.yml) and apply your own.'
  );
}

/** The commands of the `icp` command line, with `--team` when the CLI works on a named workspace. */
export function cliStarterCommands(teamFlag = ''): StarterCommands {
  return {
    see: `\`npm run icp -- suggest${teamFlag}\``,
    apply:
      `\`npm run icp -- suggest --json${teamFlag} | jq -r .proposal.yaml > my-icp.yml\`, then ` +
      `\`npm run icp -- apply my-icp.yml${teamFlag}\` and \`npm run icp -- rescore${teamFlag}\``,
  };
}
