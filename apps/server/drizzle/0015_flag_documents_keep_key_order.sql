ALTER TABLE "flag_config_versions" ALTER COLUMN "config" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "flag_configs" ALTER COLUMN "fallthrough" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "flag_configs" ALTER COLUMN "rules" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "flag_configs" ALTER COLUMN "rules" SET DEFAULT '[]'::json;--> statement-breakpoint
ALTER TABLE "flag_configs" ALTER COLUMN "prerequisites" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "flag_configs" ALTER COLUMN "prerequisites" SET DEFAULT '[]'::json;--> statement-breakpoint
ALTER TABLE "flags" ALTER COLUMN "variants" SET DATA TYPE json;