ALTER TABLE "crm_connections" ADD COLUMN "sync_lease_owner" text;--> statement-breakpoint
ALTER TABLE "crm_connections" ADD COLUMN "sync_lease_until" timestamp with time zone;