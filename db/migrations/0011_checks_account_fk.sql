-- Checks logged while account_id was not a foreign key (0009) may point at accounts deleted since.
UPDATE "checks" SET "account_id" = NULL WHERE "account_id" IS NOT NULL AND NOT EXISTS (SELECT 1 FROM "accounts" WHERE "accounts"."id" = "checks"."account_id");--> statement-breakpoint
ALTER TABLE "checks" ADD CONSTRAINT "checks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;
