import type { Db } from '../../db/client.ts';
import { accounts, churnEvents, deals } from '../../db/schema.ts';

/** A small hand-built data set whose aggregates are worked out by hand in drift-sql.test.ts. */
export async function insertFixture(db: Db): Promise<void> {
  const acc = (teamId: string, externalId: string, tier: string | null) => ({
    teamId,
    externalId,
    name: externalId,
    normalizedName: externalId.toLowerCase(),
    tier,
  });
  const rows = await db
    .insert(accounts)
    .values([
      acc('t1', 'A1', 'tier1'),
      acc('t1', 'A2', 'tier1'),
      acc('t1', 'A3', 'tier3'),
      acc('t1', 'A4', null),
      acc('t1', 'A5', 'no_fit'),
      acc('t2', 'B1', 'tier1'),
    ])
    .returning({ id: accounts.id, externalId: accounts.externalId });
  const id = (x: string) => rows.find((r) => r.externalId === x)!.id;
  let n = 0;
  const deal = (
    teamId: string,
    accountId: number | null,
    outcome: string,
    createdOn: string | null,
    closedOn: string | null,
    amount: number | null = null,
  ) => ({ teamId, externalId: `D${++n}`, accountId, outcome, createdOn, closedOn, amount });
  await db
    .insert(deals)
    .values([
      deal('t1', id('A1'), 'won', '2016-04-01', '2016-05-01', 100),
      deal('t1', id('A1'), 'won', '2017-10-01', '2017-11-01', 1000),
      deal('t1', id('A1'), 'lost', '2017-10-01', '2017-12-15'),
      deal('t1', id('A1'), 'won', '2017-01-30', '2017-03-01', 500),
      deal('t1', id('A1'), 'open', '2017-12-01', null),
      deal('t1', id('A2'), 'lost', '2017-04-01', '2017-05-01'),
      deal('t1', id('A2'), 'won', '2017-05-02', '2017-06-01', 300),
      deal('t1', id('A2'), 'won', '2017-12-01', '2018-01-01', 999),
      deal('t1', id('A3'), 'won', '2017-09-03', '2017-10-03', 200),
      deal('t1', id('A3'), 'lost', '2017-09-01', '2017-10-02'),
      deal('t1', id('A4'), 'won', '2017-11-01', '2017-11-11', 50),
      deal('t1', id('A5'), 'lost', '2017-01-01', '2017-02-01'),
      deal('t1', null, 'lost', '2017-11-01', '2017-11-20'),
      deal('t2', id('B1'), 'won', '2017-10-01', '2017-11-01', 5000),
    ]);
  await db.insert(churnEvents).values([
    { teamId: 't1', externalId: 'C1', accountId: id('A1'), churnedOn: '2017-12-01' },
    { teamId: 't1', externalId: 'C2', accountId: id('A2'), churnedOn: '2017-08-01' },
    { teamId: 't2', externalId: 'C3', accountId: id('B1'), churnedOn: '2017-12-01' },
  ]);
}
