CREATE TABLE "change_request_approvals" (
	"change_request_id" integer NOT NULL,
	"approver" text NOT NULL,
	"approver_name" text NOT NULL,
	"content_hash" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "change_request_approvals_change_request_id_approver_content_hash_pk" PRIMARY KEY("change_request_id","approver","content_hash")
);
--> statement-breakpoint
CREATE TABLE "change_requests" (
	"id" serial PRIMARY KEY NOT NULL,
	"flag_key" text NOT NULL,
	"environment" text NOT NULL,
	"action" text NOT NULL,
	"patch" jsonb NOT NULL,
	"base_version" integer NOT NULL,
	"base" jsonb NOT NULL,
	"author" text NOT NULL,
	"author_name" text NOT NULL,
	"reason" text,
	"status" text DEFAULT 'open' NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL,
	"content_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolved_by" text,
	"applied_version" integer
);
--> statement-breakpoint
ALTER TABLE "change_request_approvals" ADD CONSTRAINT "change_request_approvals_change_request_id_change_requests_id_fk" FOREIGN KEY ("change_request_id") REFERENCES "public"."change_requests"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "change_requests_status" ON "change_requests" USING btree ("status","id");--> statement-breakpoint
CREATE INDEX "change_requests_flag" ON "change_requests" USING btree ("flag_key","environment","status");