-- Rescoring rewrites score, tier, icp_version and scored_at on every account. None of them is indexed,
-- so with free space left on each page PostgreSQL can update in place (HOT) without touching the
-- six indexes on accounts (two of them GIN). Applies to pages written from now on.
ALTER TABLE "accounts" SET (fillfactor = 70);
