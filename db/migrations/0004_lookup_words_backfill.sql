-- Word dictionary for the accounts that existed before account_name_words (later writes refresh it).
INSERT INTO "account_name_words" ("team_id", "word", "accounts")
SELECT "team_id", w, count(*)::int
FROM "accounts", unnest("name_words") AS w
WHERE w <> ''
GROUP BY "team_id", w
ON CONFLICT ("team_id", "word") DO UPDATE SET "accounts" = excluded."accounts";
