/** Slack OAuth installations. Rows hold tokens: never log them. */
import { eq, or } from 'drizzle-orm';
import type { Db } from '../client.ts';
import { installations } from '../schema.ts';

export async function saveInstallation(
  db: Db,
  row: {
    installKey: string;
    teamId: string | null;
    enterpriseId: string | null;
    isEnterpriseInstall: boolean;
    data: unknown;
  },
): Promise<void> {
  await db
    .insert(installations)
    .values(row)
    .onConflictDoUpdate({
      target: installations.installKey,
      set: { data: row.data, teamId: row.teamId, enterpriseId: row.enterpriseId, installedAt: new Date() },
    });
}

export async function findInstallation(db: Db, installKey: string): Promise<unknown | null> {
  const [row] = await db.select().from(installations).where(eq(installations.installKey, installKey)).limit(1);
  return row?.data ?? null;
}

/** Deletes a workspace's (or org's) tokens: on uninstall and on revoked tokens. Returns rows removed. */
export async function deleteInstallations(db: Db, key: { teamId?: string; enterpriseId?: string }): Promise<number> {
  const conds = [
    ...(key.teamId ? [eq(installations.teamId, key.teamId), eq(installations.installKey, key.teamId)] : []),
    ...(key.enterpriseId ? [eq(installations.installKey, key.enterpriseId)] : []),
  ];
  if (conds.length === 0) return 0;
  const rows = await db
    .delete(installations)
    .where(or(...conds))
    .returning({ id: installations.id });
  return rows.length;
}
