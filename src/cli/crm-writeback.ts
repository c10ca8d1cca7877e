/**
 * `icp writeback enable|disable|run`: the owner's consent to writing score, tier, ICP version and
 * explanation onto the CRM's companies, and a run on demand (a sync runs it too). Spread into the `icp`
 * command table by src/cli/icp.ts.
 */
import { AppError, ErrorCode } from '../errors.ts';
import { disableWriteback, enableWriteback, runWriteback, type WritebackResult } from '../usecases/crm-writeback.ts';
import { bullets, type CliCtx, type CliHandler, need, print } from './common.ts';

export const WRITEBACK_USAGE = `Write-back (HubSpot companies, Salesforce Accounts)
  writeback enable             consent, then score, tier, ICP version and explanation are written after every
                               sync. HubSpot: creates the ICP Coach properties on companies (icp_fit_score,
                               icp_tier, icp_version, icp_explanation); needs crm.schemas.companies.write and
                               crm.objects.companies.write. Salesforce: checks Account has ICP_Fit_Score__c,
                               ICP_Tier__c, ICP_Version__c and ICP_Explanation__c, editable by the connected
                               user (an admin creates them; the refusal says how)
  writeback run                write now: only the companies whose values changed since last written
  writeback disable            stop writing (the values already in the CRM stay)`;

const NAMES: Record<string, string> = { hubspot: 'HubSpot', salesforce: 'Salesforce' };
const crmName = (p: string) => NAMES[p] ?? p;

/** The outcome of a run in words (also under `icp sync`). */
export function describeWriteback(r: WritebackResult | { status: 'failed'; problem: string }): string[] {
  if (r.status === 'off') return [];
  if (r.status === 'no_icp') return ['Write-back: no ICP is applied yet, so nothing was written.'];
  if (r.status === 'failed') return [`Write-back failed: ${r.problem}`];
  return [
    `Write-back to ${crmName(r.provider)} (ICP v${r.icpVersion}): ${r.written} companies written, ${r.unchanged} unchanged` +
      `${r.refused > 0 ? `, ${r.refused} refused by ${crmName(r.provider)} (tried again next run):` : '.'}`,
    ...(r.refused > 0
      ? [
          bullets(
            r.problems.slice(0, 20).map((p) => `${p.name} (${crmName(r.provider)} id ${p.id}): ${p.problem}`),
            '',
          ),
        ]
      : []),
  ];
}

export const writebackCommands: Record<string, CliHandler<CliCtx>> = {
  async writeback(ctx, [sub]) {
    const what = need(sub, 'what to do (enable, run or disable)');
    if (what === 'enable') {
      const r = await enableWriteback(ctx.deps, { teamId: ctx.teamId, userId: ctx.userId });
      print(ctx, r, () =>
        [
          r.provider === 'salesforce'
            ? `Salesforce Accounts have the ICP fields, editable by the connected user (${r.properties.join(', ')}).`
            : r.created.length > 0
              ? `Created on HubSpot companies (group “ICP Coach”): ${r.created.join(', ')}.`
              : `The ICP Coach properties were already on HubSpot companies (${r.properties.join(', ')}).`,
          'Write-back is on: every sync now writes the companies whose score, tier or explanation changed. ' +
            'Run `icp writeback run` to write them now.',
        ].join('\n'),
      );
      return 0;
    }
    if (what === 'run') {
      const r = await runWriteback(ctx.deps, { teamId: ctx.teamId });
      if (r.status === 'off') {
        throw new AppError(ErrorCode.BadInput, 'Write-back is off: an owner turns it on with `icp writeback enable`.');
      }
      print(ctx, r, () => describeWriteback(r).join('\n'));
      return r.status === 'partial' ? 3 : 0;
    }
    if (what === 'disable') {
      const off = await disableWriteback(ctx.deps, ctx.teamId);
      print(ctx, { disabled: off }, () =>
        off ? 'Write-back is off; the values already in the CRM stay.' : 'Write-back was not on.',
      );
      return 0;
    }
    throw new AppError(ErrorCode.BadInput, `Unknown \`icp writeback ${what}\`: enable, run or disable.`);
  },
};
