/**
 * `icp apply|show|versions|diff|rollback`: the ICP file's versions from the command line, spread into the
 * `icp` command table by src/cli/icp.ts.
 */
import { applyIcp, diffIcpVersions, getIcpVersion, listIcpVersions, rollbackIcp } from '../../db/queries/icp.ts';
import { bullets, type CliHandler, need, print, readFile, versionArg, versionCommands } from './common.ts';

export const icpVersionCommands: Record<string, CliHandler> = {
  ...versionCommands({
    label: 'ICP',
    current: async (ctx) => (await ctx.deps.icp.current(ctx.teamId)).version,
    get: (ctx, v) => getIcpVersion(ctx.deps.db, ctx.teamId, v),
    list: (ctx) => listIcpVersions(ctx.deps.db, ctx.teamId),
    summary: (r) => r.name,
    diff: (ctx, from, to) => diffIcpVersions(ctx.deps.db, ctx.teamId, from, to),
  }),

  async apply(ctx, [file]) {
    const source = readFile(need(file, 'the ICP file path'));
    const r = await applyIcp(ctx.deps.db, { teamId: ctx.teamId, source, createdBy: ctx.userId });
    print(ctx, { version: r.version.version, unchanged: r.unchanged, changes: r.changes }, () =>
      r.unchanged
        ? `No change: the file equals version ${r.version.version}.`
        : `Applied “${r.version.name}” as version ${r.version.version}.\n${bullets(r.changes, '(first version)')}\nRun \`icp rescore\` to store tiers under this version.`,
    );
    return 0;
  },

  async rollback(ctx, [v]) {
    const version = versionArg(v);
    const r = await rollbackIcp(ctx.deps.db, { teamId: ctx.teamId, version, createdBy: ctx.userId });
    print(
      ctx,
      { version: r.version.version, restoredFrom: version, changes: r.changes },
      () =>
        `Restored version ${version} as version ${r.version.version}.\n${r.changes.map((c) => `  • ${c}`).join('\n')}\nRun \`icp rescore\` to store tiers under it.`,
    );
    return 0;
  },
};
