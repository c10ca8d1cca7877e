CREATE TABLE "account_name_words" (
	"team_id" text NOT NULL,
	"word" text NOT NULL,
	"accounts" integer NOT NULL,
	CONSTRAINT "account_name_words_team_id_word_pk" PRIMARY KEY("team_id","word")
);
--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "name_words" text[] GENERATED ALWAYS AS (string_to_array(normalized_name, ' ')) STORED;--> statement-breakpoint
CREATE INDEX "account_name_words_trgm_idx" ON "account_name_words" USING gin ("word" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "accounts_name_words_idx" ON "accounts" USING gin ("name_words");