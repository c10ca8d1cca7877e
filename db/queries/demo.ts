/**
 * The one write the demo data needs beyond a normal import: moving a team's deal and churn dates by a whole
 * number of days, so a fixed demo data set always ends today (the day drift windows end).
 */
import { sql } from 'drizzle-orm';
import type { Db } from '../client.ts';

/** Moves every deal date and churn date of `teamId` by `days`; the first-won triggers follow the deals. */
export async function shiftTeamDates(db: Db, teamId: string, days: number): Promise<void> {
  if (days === 0) return;
  await db.transaction(async (tx) => {
    await tx.execute(sql`
      UPDATE deals SET created_on = created_on + ${days}::int, closed_on = closed_on + ${days}::int
      WHERE team_id = ${teamId}`);
    await tx.execute(sql`
      UPDATE churn_events SET churned_on = churned_on + ${days}::int WHERE team_id = ${teamId}`);
    await tx.execute(sql`
      UPDATE accounts SET customer_since = customer_since + ${days}::int
      WHERE team_id = ${teamId} AND customer_since IS NOT NULL`);
  });
}
