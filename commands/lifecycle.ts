/**
 * Workspace lifecycle. Bolt deletes nothing on uninstall: we delete that workspace's tokens when the
 * app is uninstalled or its tokens are revoked (Slack's security guidance), and its CRM token on uninstall
 * (revoked at the CRM when it can be).
 */

import type { App } from '@slack/bolt';
import { deleteInstallations } from '../db/queries/installations.ts';
import type { Deps } from '../src/deps.ts';
import * as listen from '../src/slack/listen.ts';
import { disconnectCrm } from '../src/usecases/crm-oauth.ts';

export const commandNames: string[] = [];

export function register(app: App, deps: Deps): void {
  app.event(
    'app_uninstalled',
    listen.event<'app_uninstalled'>(deps, 'app_uninstalled', async ({ body }) => {
      const b = body as { team_id?: string; enterprise_id?: string; is_enterprise_install?: boolean };
      const removed = await deleteInstallations(
        deps.db,
        b.is_enterprise_install && b.enterprise_id
          ? { enterpriseId: b.enterprise_id }
          : { ...(b.team_id ? { teamId: b.team_id } : {}) },
      );
      // The workspace's CRM token goes with it, revoked at the CRM when it can be (a team-wide install
      // only: an org install names no team). Nobody is left in Slack to tell of a failed revoke: the log says it.
      const crm = b.team_id && !b.is_enterprise_install ? await disconnectCrm(deps, b.team_id) : null;
      if (crm?.revoke === 'failed')
        deps.logger.warn('app uninstalled: CRM token not revoked', { teamId: b.team_id, problem: crm.problem });
      deps.logger.info('app uninstalled: tokens deleted', {
        teamId: b.team_id,
        removed,
        crm: crm?.removed ?? false,
        crmRevoke: crm?.revoke ?? 'none',
      });
    }),
  );

  app.event(
    'tokens_revoked',
    listen.event<'tokens_revoked'>(deps, 'tokens_revoked', async ({ body, event }) => {
      const b = body as { team_id?: string; enterprise_id?: string };
      // Only the bot token matters to us; a revoked user token leaves the installation in place.
      if ((event.tokens.bot ?? []).length === 0) return;
      const removed = await deleteInstallations(deps.db, { ...(b.team_id ? { teamId: b.team_id } : {}) });
      deps.logger.info('tokens revoked: installation deleted', { teamId: b.team_id, removed });
    }),
  );
}
