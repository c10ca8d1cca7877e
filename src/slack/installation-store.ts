/**
 * Bolt InstallationStore on our database, scoped by team id (or enterprise id for org-wide installs).
 * Bolt deletes nothing on uninstall by itself: commands/lifecycle.ts calls deleteInstallation.
 */
import type { Installation, InstallationQuery, InstallationStore } from '@slack/bolt';
import type { Db } from '../../db/client.ts';
import { deleteInstallations, findInstallation, saveInstallation } from '../../db/queries/installations.ts';

function keyOf(q: { isEnterpriseInstall?: boolean; enterpriseId?: string | undefined; teamId?: string | undefined }) {
  const key = q.isEnterpriseInstall ? q.enterpriseId : q.teamId;
  if (!key) throw new Error('installation has neither a team id nor an enterprise id');
  return key;
}

export function createInstallationStore(db: Db): InstallationStore {
  return {
    async storeInstallation(installation: Installation) {
      await saveInstallation(db, {
        installKey: keyOf({
          isEnterpriseInstall: installation.isEnterpriseInstall,
          enterpriseId: installation.enterprise?.id,
          teamId: installation.team?.id,
        }),
        teamId: installation.team?.id ?? null,
        enterpriseId: installation.enterprise?.id ?? null,
        isEnterpriseInstall: Boolean(installation.isEnterpriseInstall),
        data: installation,
      });
    },
    async fetchInstallation(query: InstallationQuery<boolean>) {
      const data = await findInstallation(db, keyOf(query));
      if (!data) throw new Error('no installation for this workspace');
      return data as Installation;
    },
    async deleteInstallation(query: InstallationQuery<boolean>) {
      await deleteInstallations(
        db,
        query.isEnterpriseInstall ? { enterpriseId: query.enterpriseId } : { teamId: query.teamId },
      );
    },
  };
}
