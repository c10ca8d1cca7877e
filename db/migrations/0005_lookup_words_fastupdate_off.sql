DROP INDEX "account_name_words_trgm_idx";--> statement-breakpoint
DROP INDEX "accounts_name_words_idx";--> statement-breakpoint
CREATE INDEX "account_name_words_trgm_idx" ON "account_name_words" USING gin ("word" gin_trgm_ops) WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "accounts_name_words_idx" ON "accounts" USING gin ("name_words") WITH (fastupdate=false);