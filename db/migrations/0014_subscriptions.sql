CREATE TABLE "subscriptions" (
	"id" serial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"external_id" text NOT NULL,
	"source" text DEFAULT 'manual' NOT NULL,
	"account_id" integer,
	"account_external_id" text,
	"started_on" date NOT NULL,
	"ended_on" date,
	"plan" text,
	"mrr" double precision,
	"arr" double precision,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "subscriptions_team_external_uq" ON "subscriptions" USING btree ("team_id","external_id");--> statement-breakpoint
CREATE INDEX "subscriptions_team_account_idx" ON "subscriptions" USING btree ("team_id","account_id","started_on");