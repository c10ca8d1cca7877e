/**
 * `icp connect hubspot --token …`, `icp sync [--full]` and `icp disconnect`: the CRM connection from the
 * command line, spread into the `icp` command table by src/cli/icp.ts.
 */
import { AppError, ErrorCode } from '../errors.ts';
import { connectHubSpot, disconnectCrm, syncCrm } from '../usecases/crm-sync.ts';
import { bullets, type CliCtx, type CliHandler, need, print } from './common.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8').trim();
}

export const CRM_USAGE = `CRM
  connect hubspot --token <private-app token | ->   check the token (- reads it from stdin) and its scopes,
                               propose the field mapping, store it encrypted (needs CRM_ENCRYPTION_KEY)
  sync [--full]                sync companies and deals: full the first time (or with --full), then only changes
  disconnect                   forget the connection and its token`;

export const crmCommands: Record<string, CliHandler<CliCtx>> = {
  async connect(ctx, [provider]) {
    if (need(provider, 'the CRM (hubspot)').toLowerCase() !== 'hubspot') {
      throw new AppError(
        ErrorCode.BadInput,
        `Only HubSpot can be connected for now, got “${provider}”. Salesforce comes later; meanwhile import its CSV exports.`,
      );
    }
    const flag = typeof ctx.flags.token === 'string' ? ctx.flags.token : undefined;
    // `--token -` reads it from standard input: a token in the arguments shows in `ps` and shell history.
    const token = flag === '-' ? await readStdin() : flag;
    const r = await connectHubSpot(ctx.deps, {
      teamId: ctx.teamId,
      userId: ctx.userId,
      token: need(token, 'the private-app token (--token)'),
    });
    const fields = (m: Record<string, string>) =>
      Object.entries(m).map(([property, field]) => `${property} → ${field}`);
    print(ctx, r, () =>
      [
        `Connected HubSpot${r.hubId ? ` (portal ${r.hubId})` : ''}; the token is stored encrypted.`,
        'Companies:',
        bullets(fields(r.mapping.companies.mapped), 'no properties'),
        'Deals:',
        bullets(fields(r.mapping.deals.mapped), 'no properties'),
        'Run `icp sync` for the first (full) sync.',
      ].join('\n'),
    );
    return 0;
  },

  async sync(ctx) {
    const r = await syncCrm(ctx.deps, { teamId: ctx.teamId, full: ctx.flags.full === true });
    const c = r.counts;
    print(ctx, r, () =>
      [
        `${r.mode === 'full' ? 'Full' : 'Incremental'} sync: ${c.companies} companies, ${c.deals} deals written; ` +
          `${c.deleted} deleted, ${c.merged} merged.`,
        ...(r.problemCount > 0
          ? [
              `${r.problemCount} record(s) left out (fix them in HubSpot; they sync again when changed):`,
              bullets(
                r.problems
                  .slice(0, 20)
                  .map((p) => `${p.object} ${p.id}: ${p.property ? `${p.property} ` : ''}${p.problem}`),
                '',
              ),
            ]
          : []),
      ].join('\n'),
    );
    return r.status === 'ok' ? 0 : 3;
  },

  async disconnect(ctx) {
    const removed = await disconnectCrm(ctx.deps, ctx.teamId);
    print(ctx, { removed }, () =>
      removed
        ? 'Disconnected: the connection and its token are deleted. A private-app token stays valid in HubSpot until you rotate or delete the app there.'
        : 'No CRM was connected.',
    );
    return 0;
  },
};
