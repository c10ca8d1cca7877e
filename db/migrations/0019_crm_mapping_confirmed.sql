ALTER TABLE "crm_connections" ADD COLUMN "confirmed_mapping" jsonb;--> statement-breakpoint
ALTER TABLE "crm_connections" ADD COLUMN "mapping_confirmed_by" text;--> statement-breakpoint
ALTER TABLE "crm_connections" ADD COLUMN "mapping_confirmed_at" timestamp with time zone;