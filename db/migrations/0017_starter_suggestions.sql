CREATE TABLE "starter_suggestions" (
	"team_id" text PRIMARY KEY NOT NULL,
	"fingerprint" text NOT NULL,
	"icp_version" integer NOT NULL,
	"result" jsonb NOT NULL,
	"computed_at" timestamp with time zone DEFAULT now() NOT NULL
);
