CREATE TABLE "crm_writebacks" (
	"team_id" text NOT NULL,
	"provider" text NOT NULL,
	"external_id" text NOT NULL,
	"values_hash" text NOT NULL,
	"icp_version" integer NOT NULL,
	"written_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "crm_writebacks_team_id_provider_external_id_pk" PRIMARY KEY("team_id","provider","external_id")
);
--> statement-breakpoint
ALTER TABLE "crm_connections" ADD COLUMN "writeback_enabled_by" text;--> statement-breakpoint
ALTER TABLE "crm_connections" ADD COLUMN "writeback_enabled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "crm_connections" ADD COLUMN "last_writeback" jsonb;