CREATE TABLE "evaluation_counts" (
	"environment_id" integer NOT NULL,
	"flag_key" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"variant" text NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "evaluation_counts_environment_id_flag_key_bucket_variant_pk" PRIMARY KEY("environment_id","flag_key","bucket","variant")
);
--> statement-breakpoint
CREATE TABLE "event_counts" (
	"environment_id" integer NOT NULL,
	"flag_key" text NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"event_name" text NOT NULL,
	"variant" text NOT NULL,
	"count" bigint NOT NULL,
	"value_count" bigint NOT NULL,
	"value_sum" double precision NOT NULL,
	"value_sum_squares" double precision NOT NULL,
	CONSTRAINT "event_counts_environment_id_flag_key_bucket_event_name_variant_pk" PRIMARY KEY("environment_id","flag_key","bucket","event_name","variant")
);
--> statement-breakpoint
CREATE TABLE "event_drops" (
	"environment_id" integer NOT NULL,
	"bucket" timestamp with time zone NOT NULL,
	"events" bigint NOT NULL,
	"evaluations" bigint NOT NULL,
	CONSTRAINT "event_drops_environment_id_bucket_pk" PRIMARY KEY("environment_id","bucket")
);
--> statement-breakpoint
ALTER TABLE "evaluation_counts" ADD CONSTRAINT "evaluation_counts_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_counts" ADD CONSTRAINT "event_counts_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "event_drops" ADD CONSTRAINT "event_drops_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "evaluation_counts_bucket" ON "evaluation_counts" USING btree ("bucket");--> statement-breakpoint
CREATE INDEX "event_counts_bucket" ON "event_counts" USING btree ("bucket");--> statement-breakpoint
CREATE INDEX "event_drops_bucket" ON "event_drops" USING btree ("bucket");