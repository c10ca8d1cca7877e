CREATE TABLE "crm_connections" (
	"id" serial PRIMARY KEY NOT NULL,
	"team_id" text NOT NULL,
	"provider" text NOT NULL,
	"token_encrypted" text NOT NULL,
	"scopes" text[] DEFAULT '{}'::text[] NOT NULL,
	"field_mapping" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"sync_cursor" timestamp with time zone,
	"last_sync_status" text,
	"last_sync_at" timestamp with time zone,
	"last_sync_counts" jsonb,
	"last_sync_errors" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "crm_connections_team_uq" ON "crm_connections" USING btree ("team_id");