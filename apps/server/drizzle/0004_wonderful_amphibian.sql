CREATE TABLE "event_names" (
	"environment_id" integer NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "event_names_environment_id_name_pk" PRIMARY KEY("environment_id","name")
);
--> statement-breakpoint
ALTER TABLE "event_names" ADD CONSTRAINT "event_names_environment_id_environments_id_fk" FOREIGN KEY ("environment_id") REFERENCES "public"."environments"("id") ON DELETE cascade ON UPDATE no action;