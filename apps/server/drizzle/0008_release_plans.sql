CREATE TABLE "release_decisions" (
	"id" serial PRIMARY KEY NOT NULL,
	"plan_id" text NOT NULL,
	"at" timestamp (3) with time zone DEFAULT now() NOT NULL,
	"stage" integer NOT NULL,
	"action" text NOT NULL,
	"reason" text NOT NULL,
	"actor" text NOT NULL,
	"stats" jsonb,
	"config_version" integer
);
--> statement-breakpoint
CREATE TABLE "release_plans" (
	"id" text PRIMARY KEY NOT NULL,
	"flag_key" text NOT NULL,
	"environment" text NOT NULL,
	"status" text NOT NULL,
	"variant" text NOT NULL,
	"control" text NOT NULL,
	"bucket_by" text NOT NULL,
	"stages" jsonb NOT NULL,
	"guards" jsonb NOT NULL,
	"stage" integer NOT NULL,
	"stage_started_at" timestamp (3) with time zone,
	"start_at" timestamp (3) with time zone,
	"config_version" integer,
	"paused_reason" text,
	"sample_bits" smallint DEFAULT 0 NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "release_unit_events" (
	"plan_id" text NOT NULL,
	"stage" integer NOT NULL,
	"arm" smallint NOT NULL,
	"unit" bigint NOT NULL,
	"event" text NOT NULL,
	"count" integer NOT NULL,
	"value_sum" double precision NOT NULL,
	CONSTRAINT "release_unit_events_plan_id_stage_arm_unit_event_pk" PRIMARY KEY("plan_id","stage","arm","unit","event")
);
--> statement-breakpoint
CREATE TABLE "release_units" (
	"plan_id" text NOT NULL,
	"stage" integer NOT NULL,
	"arm" smallint NOT NULL,
	"unit" bigint NOT NULL,
	CONSTRAINT "release_units_plan_id_stage_arm_unit_pk" PRIMARY KEY("plan_id","stage","arm","unit")
);
--> statement-breakpoint
CREATE INDEX "release_decisions_plan" ON "release_decisions" USING btree ("plan_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "release_plans_live" ON "release_plans" USING btree ("flag_key","environment") WHERE status in ('scheduled', 'running', 'paused');--> statement-breakpoint
CREATE INDEX "release_plans_status" ON "release_plans" USING btree ("status");