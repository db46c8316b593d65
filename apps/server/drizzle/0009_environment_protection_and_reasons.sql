ALTER TABLE "audit_events" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "protected" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "required_approvals" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "environments" ADD COLUMN "require_reason" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "flag_config_versions" ADD COLUMN "actor" text;--> statement-breakpoint
ALTER TABLE "flag_config_versions" ADD COLUMN "reason" text;--> statement-breakpoint
ALTER TABLE "environments" ADD CONSTRAINT "environments_required_approvals_range" CHECK ("environments"."required_approvals" between 0 and 10);--> statement-breakpoint
ALTER TABLE "environments" ADD CONSTRAINT "environments_approvals_need_protection" CHECK ("environments"."required_approvals" = 0 or "environments"."protected");--> statement-breakpoint
UPDATE "environments" SET "protected" = true WHERE "key" = 'production';
