CREATE TABLE "icp_suggestions" (
	"id" serial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"proposal_key" text NOT NULL,
	"outcome" text NOT NULL,
	"base_version" integer NOT NULL,
	"yaml" text NOT NULL,
	"summary" text NOT NULL,
	"reasons" jsonb NOT NULL,
	"diff" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"dismissed_by" text,
	"dismissed_at" timestamp with time zone,
	"dismiss_reason" text,
	"applied_by" text,
	"applied_at" timestamp with time zone,
	"applied_version" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "icp_suggestions_team_key_uq" ON "icp_suggestions" USING btree ("team_id","proposal_key");