CREATE TABLE "accounts" (
	"id" serial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"external_id" text NOT NULL,
	"source" text DEFAULT 'manual' NOT NULL,
	"name" text NOT NULL,
	"normalized_name" text NOT NULL,
	"domain" text,
	"industry" text,
	"employees" integer,
	"revenue" double precision,
	"country" text,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"score" double precision,
	"tier" text,
	"icp_version" integer,
	"scored_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "checks" (
	"id" serial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"user_id" text NOT NULL,
	"query" text NOT NULL,
	"account_id" integer,
	"company_name" text,
	"score" double precision,
	"tier" text,
	"icp_version" integer,
	"latency_ms" integer,
	"result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "churn_events" (
	"id" serial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"external_id" text NOT NULL,
	"source" text DEFAULT 'manual' NOT NULL,
	"account_id" integer,
	"account_external_id" text,
	"churned_on" date NOT NULL,
	"reason" text,
	"amount" double precision,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deals" (
	"id" serial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"external_id" text NOT NULL,
	"source" text DEFAULT 'manual' NOT NULL,
	"account_id" integer,
	"account_name" text,
	"name" text,
	"stage" text,
	"outcome" text NOT NULL,
	"amount" double precision,
	"created_on" date,
	"closed_on" date,
	"owner" text,
	"product" text,
	"attributes" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "icp_reviews" (
	"id" serial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"reviewed_by" text NOT NULL,
	"reviewed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"note" text,
	"icp_changed" boolean DEFAULT false NOT NULL,
	"icp_version" integer NOT NULL,
	"drift" jsonb
);
--> statement-breakpoint
CREATE TABLE "icp_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"version" integer NOT NULL,
	"name" text NOT NULL,
	"source" text NOT NULL,
	"spec" jsonb NOT NULL,
	"diff" text DEFAULT '' NOT NULL,
	"origin" text NOT NULL,
	"restored_from" integer,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "slack_installations" (
	"id" serial PRIMARY KEY NOT NULL,
	"install_key" text NOT NULL,
	"team_id" text,
	"enterprise_id" text,
	"is_enterprise_install" boolean DEFAULT false NOT NULL,
	"data" jsonb NOT NULL,
	"installed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "persona_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"version" integer NOT NULL,
	"source" text NOT NULL,
	"spec" jsonb NOT NULL,
	"diff" text DEFAULT '' NOT NULL,
	"origin" text NOT NULL,
	"restored_from" integer,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "processed_events" (
	"event_id" text PRIMARY KEY NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reminder_occurrences" (
	"id" serial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"occurrence_key" text NOT NULL,
	"kind" text NOT NULL,
	"status" text NOT NULL,
	"channel_id" text,
	"claimed_by" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"message_ts" text,
	"last_error" text,
	"payload" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "review_settings" (
	"team_id" text PRIMARY KEY NOT NULL,
	"channel_id" text,
	"time_of_day" text DEFAULT '09:00' NOT NULL,
	"timezone" text DEFAULT 'UTC' NOT NULL,
	"snoozed_until" timestamp with time zone,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "tier_feedback" (
	"id" serial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"user_id" text NOT NULL,
	"check_id" integer,
	"account_id" integer,
	"company_name" text,
	"given_tier" text,
	"expected_tier" text,
	"reason" text NOT NULL,
	"note" text,
	"icp_version" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "checks" ADD CONSTRAINT "checks_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "churn_events" ADD CONSTRAINT "churn_events_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deals" ADD CONSTRAINT "deals_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tier_feedback" ADD CONSTRAINT "tier_feedback_check_id_checks_id_fk" FOREIGN KEY ("check_id") REFERENCES "public"."checks"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tier_feedback" ADD CONSTRAINT "tier_feedback_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_team_external_uq" ON "accounts" USING btree ("team_id","external_id");--> statement-breakpoint
CREATE INDEX "accounts_team_domain_idx" ON "accounts" USING btree ("team_id","domain");--> statement-breakpoint
CREATE INDEX "accounts_team_normalized_name_idx" ON "accounts" USING btree ("team_id","normalized_name");--> statement-breakpoint
CREATE INDEX "accounts_normalized_name_trgm_idx" ON "accounts" USING gin ("normalized_name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX "checks_team_user_idx" ON "checks" USING btree ("team_id","user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "churn_team_external_uq" ON "churn_events" USING btree ("team_id","external_id");--> statement-breakpoint
CREATE INDEX "churn_team_date_idx" ON "churn_events" USING btree ("team_id","churned_on");--> statement-breakpoint
CREATE UNIQUE INDEX "deals_team_external_uq" ON "deals" USING btree ("team_id","external_id");--> statement-breakpoint
CREATE INDEX "deals_team_closed_idx" ON "deals" USING btree ("team_id","closed_on");--> statement-breakpoint
CREATE INDEX "deals_account_idx" ON "deals" USING btree ("account_id");--> statement-breakpoint
CREATE INDEX "icp_reviews_team_idx" ON "icp_reviews" USING btree ("team_id","reviewed_at");--> statement-breakpoint
CREATE UNIQUE INDEX "icp_versions_team_version_uq" ON "icp_versions" USING btree ("team_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "slack_installations_key_uq" ON "slack_installations" USING btree ("install_key");--> statement-breakpoint
CREATE UNIQUE INDEX "persona_versions_team_version_uq" ON "persona_versions" USING btree ("team_id","version");--> statement-breakpoint
CREATE UNIQUE INDEX "reminder_occurrences_key_uq" ON "reminder_occurrences" USING btree ("team_id","occurrence_key");--> statement-breakpoint
CREATE INDEX "tier_feedback_team_idx" ON "tier_feedback" USING btree ("team_id","created_at");