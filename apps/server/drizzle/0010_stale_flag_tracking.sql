CREATE TABLE "flag_lifecycle" (
	"flag_id" integer PRIMARY KEY NOT NULL,
	"stale_after_days" double precision,
	"stale_since" timestamp with time zone,
	"stale_reason" text,
	CONSTRAINT "flag_lifecycle_stale_after_days_positive" CHECK ("flag_lifecycle"."stale_after_days" is null or "flag_lifecycle"."stale_after_days" > 0)
);
--> statement-breakpoint
CREATE TABLE "flag_variant_usage" (
	"environment_id" integer NOT NULL,
	"flag_key" text NOT NULL,
	"variant" text NOT NULL,
	"first_seen" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone NOT NULL,
	CONSTRAINT "flag_variant_usage_environment_id_flag_key_variant_pk" PRIMARY KEY("environment_id","flag_key","variant")
);
--> statement-breakpoint
ALTER TABLE "flag_lifecycle" ADD CONSTRAINT "flag_lifecycle_flag_id_flags_id_fk" FOREIGN KEY ("flag_id") REFERENCES "public"."flags"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "flag_variant_usage" ADD CONSTRAINT "flag_variant_usage_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "flag_variant_usage_flag_key" ON "flag_variant_usage" USING btree ("flag_key");