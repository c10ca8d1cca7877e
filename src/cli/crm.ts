/**
 * `icp connect hubspot --token …`, `icp connect salesforce [--jwt --username … | --code …]`,
 * `icp sync [--full]` and `icp disconnect`: the CRM connection from the command line, spread into the
 * `icp` command table by src/cli/icp.ts.
 */

import { describeMapping } from '../crm/mapping-review.ts';
import { AppError, ErrorCode } from '../errors.ts';
import { confirmMapping, editMapping, loadMapping, type MappingState } from '../usecases/crm-mapping.ts';
import { authorizeUrl, disconnectCrm, oauthConfigured } from '../usecases/crm-oauth.ts';
import { connectSalesforce, requireSalesforceOAuth } from '../usecases/crm-salesforce.ts';
import { connectHubSpot, syncCrm } from '../usecases/crm-sync.ts';
import { bullets, type CliCtx, type CliHandler, need, print } from './common.ts';
import { describeWriteback } from './crm-writeback.ts';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8').trim();
}

/** The code as pasted: the code itself (URL-encoded as it sits in the redirect) or the whole redirect URL. */
export function authorizationCode(text: string): string {
  const t = text.trim();
  if (/^https?:\/\//.test(t)) return new URL(t).searchParams.get('code') ?? '';
  return t.includes('%') ? decodeURIComponent(t) : t;
}

async function connectSalesforceCli(ctx: CliCtx): Promise<number> {
  if (ctx.flags.token !== undefined) {
    throw new AppError(
      ErrorCode.BadInput,
      'Salesforce connects through OAuth (`icp connect salesforce`) or JWT bearer (`--jwt --username …`), not with a token.',
    );
  }
  const base = { teamId: ctx.teamId, userId: ctx.userId };
  let r: Awaited<ReturnType<typeof connectSalesforce>>;
  if (ctx.flags.jwt === true) {
    const username = typeof ctx.flags.username === 'string' ? ctx.flags.username : undefined;
    r = await connectSalesforce(ctx.deps, {
      ...base,
      jwtUsername: need(username, 'the Salesforce username (--username)'),
    });
  } else if (typeof ctx.flags.code === 'string') {
    // `--code -` reads it from standard input, like a token.
    const code = ctx.flags.code === '-' ? await readStdin() : ctx.flags.code;
    r = await connectSalesforce(ctx.deps, { ...base, code: authorizationCode(code) });
  } else {
    requireSalesforceOAuth(ctx.deps);
    const url = authorizeUrl(ctx.deps, 'salesforce', ctx.teamId, ctx.userId);
    print(ctx, { authorizeUrl: url }, () =>
      [
        'Open this URL within 10 minutes, as a Salesforce user who can read Accounts and Opportunities, and allow access:',
        url,
        `Salesforce then sends the browser to ${ctx.config.crm.salesforce.redirectUri}: the bot connects there when that is its`,
        'callback; otherwise copy the address you land on and run `icp connect salesforce --code -`, pasting it.',
        '(Or, without a browser: `icp connect salesforce --jwt --username <user>`.)',
      ].join('\n'),
    );
    return 0;
  }
  print(ctx, r, () =>
    [
      `Connected Salesforce (${r.instanceUrl}, ${r.flow === 'jwt' ? 'JWT bearer' : 'OAuth with a refresh token'}); the token is stored encrypted.`,
      'Proposed mapping:',
      ...describeMapping(r.mapping),
      'Change what is wrong with `icp crm mapping --set/--stage/--churn`, then confirm it with ' +
        '`icp crm mapping --confirm`: the first (full) sync runs once it is confirmed.',
    ].join('\n'),
  );
  return 0;
}

export const CRM_USAGE = `CRM
  connect hubspot --token <private-app token | ->   check the token (- reads it from stdin) and its scopes,
                               propose the mapping, store the token encrypted (needs CRM_ENCRYPTION_KEY)
  crm mapping                  the mapping: property → bot field (custom ones kept as attributes), deal
                               stages → won/lost/open per pipeline, the churn signal; syncs wait until confirmed
    [--set <property>=<field|attribute|ignore>]   (companies.<p> / deals.<p> when both have it)
    [--stage <stageId>=won|lost|open] [--churn <property|lifecycle:<stage>|none>]
    [--confirm]                confirm it (with the changes given): syncs use it from now on
  connect hubspot              with HUBSPOT_CLIENT_ID/_SECRET/_REDIRECT_URI set: print the URL that connects
                               with OAuth (open it within 10 minutes; the bot stores the tokens encrypted)
  connect salesforce           print the URL that connects with OAuth (SALESFORCE_CLIENT_ID/_SECRET/_REDIRECT_URI);
    [--code -]                 or read the code (or the whole address Salesforce redirected to) from stdin
    [--jwt --username <user>]  or connect with JWT bearer (SALESFORCE_JWT_PRIVATE_KEY or _FILE)
  sync [--full]                sync companies and deals: full the first time (or with --full), then only changes
  disconnect                   forget the connection and its token, and revoke an OAuth token at the CRM`;

export const crmCommands: Record<string, CliHandler<CliCtx>> = {
  async connect(ctx, [provider]) {
    const which = need(provider, 'the CRM (hubspot or salesforce)').toLowerCase();
    if (which === 'salesforce') return connectSalesforceCli(ctx);
    if (which !== 'hubspot') {
      throw new AppError(ErrorCode.BadInput, `HubSpot or Salesforce can be connected, not “${provider}”.`);
    }
    const flag = typeof ctx.flags.token === 'string' ? ctx.flags.token : undefined;
    if (flag === undefined && oauthConfigured(ctx.deps.config, 'hubspot')) {
      const url = authorizeUrl(ctx.deps, 'hubspot', ctx.teamId, ctx.userId);
      print(ctx, { authorizeUrl: url }, () =>
        [
          'Open this URL within 10 minutes, as a HubSpot user allowed to install apps, and allow the connection:',
          url,
          '(Or connect with a private-app token: `icp connect hubspot --token -`.)',
        ].join('\n'),
      );
      return 0;
    }
    // `--token -` reads it from standard input: a token in the arguments shows in `ps` and shell history.
    const token = flag === '-' ? await readStdin() : flag;
    const r = await connectHubSpot(ctx.deps, {
      teamId: ctx.teamId,
      userId: ctx.userId,
      token: need(token, 'the private-app token (--token)'),
    });
    print(ctx, r, () =>
      [
        `Connected HubSpot${r.hubId ? ` (portal ${r.hubId})` : ''}; the token is stored encrypted.`,
        'Proposed mapping:',
        ...describeMapping(r.mapping),
        'Change what is wrong with `icp crm mapping --set/--stage/--churn`, then confirm it with ' +
          '`icp crm mapping --confirm`: the first (full) sync runs once it is confirmed.',
      ].join('\n'),
    );
    return 0;
  },

  async crm(ctx, [sub]) {
    if (need(sub, 'what to do with the CRM (mapping)') !== 'mapping') {
      throw new AppError(ErrorCode.BadInput, `Unknown \`icp crm ${sub}\`: the CRM command is \`icp crm mapping\`.`);
    }
    const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : []);
    const edits = {
      set: list(ctx.flags.set),
      stages: list(ctx.flags.stage),
      churn: typeof ctx.flags.churn === 'string' ? ctx.flags.churn : undefined,
    };
    const editing = edits.set.length > 0 || edits.stages.length > 0 || edits.churn !== undefined;
    const r: MappingState & { notes?: string[]; resync?: boolean } =
      ctx.flags.confirm === true
        ? await confirmMapping(ctx.deps, { teamId: ctx.teamId, userId: ctx.userId, edits })
        : editing
          ? await editMapping(ctx.deps, { teamId: ctx.teamId, edits })
          : await loadMapping(ctx.deps, ctx.teamId);
    const when = r.confirmedAt ? r.confirmedAt.toISOString().slice(0, 16).replace('T', ' ') : '';
    const head =
      r.status === 'proposed'
        ? 'Proposed mapping, not confirmed yet: nothing syncs until it is (`icp crm mapping --confirm`).'
        : r.status === 'changed'
          ? `Changed since ${r.confirmedBy} confirmed it (${when} UTC): syncs keep the confirmed one until \`icp crm mapping --confirm\`.`
          : `Confirmed by ${r.confirmedBy} (${when} UTC)${r.resync ? ': it changed, so the next sync is a full one' : ''}.`;
    print(ctx, r, () => [head, ...(r.notes ?? []), ...describeMapping(r.mapping)].join('\n'));
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
              `${r.problemCount} record(s) left out (fix them in the CRM; they sync again when changed):`,
              bullets(
                r.problems
                  .slice(0, 20)
                  .map((p) => `${p.object} ${p.id}: ${p.property ? `${p.property} ` : ''}${p.problem}`),
                '',
              ),
            ]
          : []),
        ...(r.writeback ? describeWriteback(r.writeback) : []),
      ].join('\n'),
    );
    return r.status === 'ok' ? 0 : 3;
  },

  async disconnect(ctx) {
    const r = await disconnectCrm(ctx.deps, ctx.teamId);
    const said: Record<typeof r.revoke, string> = {
      revoked: 'Disconnected: the connection and its token are deleted here, and the token is revoked at the CRM.',
      'not-revocable':
        'Disconnected: the connection and its token are deleted. A private-app token stays valid in HubSpot until you rotate or delete the app there.',
      failed: `Disconnected. ${r.problem ?? ''}`.trim(),
      none: 'No CRM was connected.',
    };
    print(ctx, r, () => said[r.revoke]);
    // A token that may still be valid at the CRM is worth a non-zero exit for scripts.
    return r.revoke === 'failed' ? 3 : 0;
  },
};
