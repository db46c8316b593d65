CREATE TABLE "scheduled_changes" (
	"id" text PRIMARY KEY NOT NULL,
	"flag_key" text NOT NULL,
	"environment" text NOT NULL,
	"run_at" timestamp (3) with time zone NOT NULL,
	"local_time" text,
	"time_zone" text,
	"utc_offset" text,
	"change" jsonb NOT NULL,
	"base_version" integer,
	"max_lateness_sec" integer NOT NULL,
	"comment" text,
	"status" text DEFAULT 'pending' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"applied_version" integer,
	"error" text
);
--> statement-breakpoint
CREATE INDEX "scheduled_changes_due" ON "scheduled_changes" USING btree ("status","run_at");--> statement-breakpoint
CREATE INDEX "scheduled_changes_flag_env" ON "scheduled_changes" USING btree ("flag_key","environment","status");