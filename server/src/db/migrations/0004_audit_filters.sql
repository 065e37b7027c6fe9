-- GET /v1/admin/audit filters by actor or action and pages newest first by id (UUIDv7): one index each.
CREATE INDEX "audit_log_actor_idx" ON "audit_log" USING btree ("actor_id","id");--> statement-breakpoint
CREATE INDEX "audit_log_action_idx" ON "audit_log" USING btree ("action","id");
