ALTER TABLE "accounts" ADD COLUMN "tier_low" text;--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "tier_high" text;