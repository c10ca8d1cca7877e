-- accounts.first_won_on (close date of the account's first won deal) is kept by PostgreSQL itself, so
-- every write path (CSV import, re-import, linking deals to accounts, tests, manual SQL) keeps it right.
-- Statement-level triggers with transition tables: one UPDATE per statement, not one per deal.

-- Inserted won deals can only move an account's first win earlier.
CREATE FUNCTION deals_first_won_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE accounts a SET first_won_on = n.first_won
  FROM (
    SELECT account_id, min(closed_on) AS first_won FROM new_deals
    WHERE outcome = 'won' AND account_id IS NOT NULL AND closed_on IS NOT NULL
    GROUP BY account_id
  ) n
  WHERE a.id = n.account_id AND (a.first_won_on IS NULL OR n.first_won < a.first_won_on);
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Updated deals: recompute the accounts on either side of a change to account, outcome or close date.
CREATE FUNCTION deals_first_won_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE accounts a SET first_won_on = (
    SELECT min(d.closed_on) FROM deals d
    WHERE d.team_id = a.team_id AND d.account_id = a.id AND d.outcome = 'won'
  )
  WHERE a.id IN (
    SELECT x.account_id FROM old_deals o JOIN new_deals n ON n.id = o.id,
      LATERAL (VALUES (o.account_id), (n.account_id)) AS x(account_id)
    WHERE x.account_id IS NOT NULL
      AND (o.account_id, o.outcome, o.closed_on) IS DISTINCT FROM (n.account_id, n.outcome, n.closed_on)
  );
  RETURN NULL;
END $$;
--> statement-breakpoint
-- Deleted won deals: recompute their accounts.
CREATE FUNCTION deals_first_won_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE accounts a SET first_won_on = (
    SELECT min(d.closed_on) FROM deals d
    WHERE d.team_id = a.team_id AND d.account_id = a.id AND d.outcome = 'won'
  )
  WHERE a.id IN (SELECT account_id FROM old_deals WHERE outcome = 'won' AND account_id IS NOT NULL);
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE FUNCTION deals_first_won_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE accounts SET first_won_on = NULL WHERE first_won_on IS NOT NULL;
  RETURN NULL;
END $$;
--> statement-breakpoint
CREATE TRIGGER deals_first_won_insert AFTER INSERT ON deals
  REFERENCING NEW TABLE AS new_deals FOR EACH STATEMENT EXECUTE FUNCTION deals_first_won_after_insert();
--> statement-breakpoint
CREATE TRIGGER deals_first_won_update AFTER UPDATE ON deals
  REFERENCING OLD TABLE AS old_deals NEW TABLE AS new_deals FOR EACH STATEMENT EXECUTE FUNCTION deals_first_won_after_update();
--> statement-breakpoint
CREATE TRIGGER deals_first_won_delete AFTER DELETE ON deals
  REFERENCING OLD TABLE AS old_deals FOR EACH STATEMENT EXECUTE FUNCTION deals_first_won_after_delete();
--> statement-breakpoint
CREATE TRIGGER deals_first_won_truncate AFTER TRUNCATE ON deals
  FOR EACH STATEMENT EXECUTE FUNCTION deals_first_won_after_truncate();
--> statement-breakpoint
-- Existing data.
UPDATE accounts a SET first_won_on = f.first_won
FROM (
  SELECT account_id, min(closed_on) AS first_won FROM deals
  WHERE outcome = 'won' AND account_id IS NOT NULL
  GROUP BY account_id
) f
WHERE a.id = f.account_id;
