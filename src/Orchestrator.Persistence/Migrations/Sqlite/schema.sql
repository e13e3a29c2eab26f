CREATE TABLE IF NOT EXISTS "__EFMigrationsHistory" (
    "MigrationId" TEXT NOT NULL CONSTRAINT "PK___EFMigrationsHistory" PRIMARY KEY,
    "ProductVersion" TEXT NOT NULL
);

BEGIN TRANSACTION;
CREATE TABLE "runs" (
    "id" TEXT NOT NULL CONSTRAINT "PK_runs" PRIMARY KEY,
    "workflow_id" TEXT NOT NULL,
    "workflow_version" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "logical_date" TEXT NOT NULL,
    "data_interval_start" TEXT NOT NULL,
    "data_interval_end" TEXT NOT NULL,
    "params_json" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    "started_at" TEXT NULL,
    "ended_at" TEXT NULL,
    "error" TEXT NULL
);

CREATE TABLE "task_logs" (
    "id" INTEGER NOT NULL CONSTRAINT "PK_task_logs" PRIMARY KEY AUTOINCREMENT,
    "run_id" TEXT NOT NULL,
    "task_id" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "sequence" INTEGER NOT NULL,
    "timestamp" TEXT NOT NULL,
    "level" TEXT NOT NULL,
    "message" TEXT NOT NULL
);

CREATE TABLE "workflow_versions" (
    "workflow_id" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "definition_json" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "PK_workflow_versions" PRIMARY KEY ("workflow_id", "version")
);

CREATE TABLE "task_instances" (
    "run_id" TEXT NOT NULL,
    "task_id" TEXT NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "state" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL,
    "max_attempts" INTEGER NOT NULL,
    "next_attempt_at" TEXT NULL,
    "started_at" TEXT NULL,
    "ended_at" TEXT NULL,
    "outputs_json" TEXT NULL,
    "error" TEXT NULL,
    CONSTRAINT "PK_task_instances" PRIMARY KEY ("run_id", "task_id"),
    CONSTRAINT "FK_task_instances_runs_run_id" FOREIGN KEY ("run_id") REFERENCES "runs" ("id") ON DELETE CASCADE
);

CREATE TABLE "attempts" (
    "run_id" TEXT NOT NULL,
    "task_id" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "started_at" TEXT NOT NULL,
    "ended_at" TEXT NULL,
    "outcome" TEXT NULL,
    "error" TEXT NULL,
    CONSTRAINT "PK_attempts" PRIMARY KEY ("run_id", "task_id", "number"),
    CONSTRAINT "FK_attempts_task_instances_run_id_task_id" FOREIGN KEY ("run_id", "task_id") REFERENCES "task_instances" ("run_id", "task_id") ON DELETE CASCADE
);

CREATE INDEX "IX_runs_state" ON "runs" ("state");

CREATE INDEX "IX_runs_workflow_id_created_at" ON "runs" ("workflow_id", "created_at");

CREATE INDEX "IX_task_logs_run_id_task_id_attempt_sequence" ON "task_logs" ("run_id", "task_id", "attempt", "sequence");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261123195811_InitialCreate', '10.0.15');

COMMIT;

BEGIN TRANSACTION;
ALTER TABLE "task_instances" ADD "lease_expires_at" TEXT NULL;

ALTER TABLE "task_instances" ADD "lease_owner" TEXT NULL;

ALTER TABLE "task_instances" ADD "queued_at" TEXT NULL;

ALTER TABLE "runs" ADD "cancel_requested_at" TEXT NULL;

CREATE TABLE "workflow_states" (
    "workflow_id" TEXT NOT NULL CONSTRAINT "PK_workflow_states" PRIMARY KEY,
    "paused" INTEGER NOT NULL
);

CREATE INDEX "IX_task_instances_state_lease_expires_at" ON "task_instances" ("state", "lease_expires_at");

CREATE INDEX "IX_task_instances_state_queued_at" ON "task_instances" ("state", "queued_at");

CREATE UNIQUE INDEX "IX_runs_workflow_id_logical_date" ON "runs" ("workflow_id", "logical_date");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261123203609_DurableQueue', '10.0.15');

COMMIT;

BEGIN TRANSACTION;
DROP INDEX "IX_task_instances_state_queued_at";

CREATE INDEX "IX_task_instances_state_queued_at_run_id_ordinal" ON "task_instances" ("state", "queued_at", "run_id", "ordinal");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261201191615_ClaimOrderIndex', '10.0.15');

COMMIT;

BEGIN TRANSACTION;
ALTER TABLE "runs" ADD "trigger_json" TEXT NULL;

CREATE TABLE "trigger_batches" (
    "workflow_id" TEXT NOT NULL,
    "connection" TEXT NOT NULL,
    "consumer_group" TEXT NOT NULL,
    "topic" TEXT NOT NULL,
    "partition" INTEGER NOT NULL,
    "first_offset" INTEGER NOT NULL,
    "last_offset" INTEGER NOT NULL,
    "run_id" TEXT NOT NULL,
    "created_at" TEXT NOT NULL,
    CONSTRAINT "PK_trigger_batches" PRIMARY KEY ("workflow_id", "connection", "consumer_group", "topic", "partition", "first_offset")
);

CREATE INDEX "IX_trigger_batches_run_id" ON "trigger_batches" ("run_id");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261201200410_TriggerBatches', '10.0.15');

COMMIT;

BEGIN TRANSACTION;
CREATE TABLE "alerts" (
    "id" TEXT NOT NULL CONSTRAINT "PK_alerts" PRIMARY KEY,
    "key" TEXT NOT NULL,
    "event" TEXT NOT NULL,
    "channel" TEXT NOT NULL,
    "workflow_id" TEXT NOT NULL,
    "run_id" TEXT NULL,
    "task_id" TEXT NULL,
    "attempt" INTEGER NULL,
    "logical_date" TEXT NULL,
    "occurred_at" TEXT NOT NULL,
    "error" TEXT NULL,
    "detail" TEXT NULL,
    "state" TEXT NOT NULL,
    "deliveries" INTEGER NOT NULL,
    "next_attempt_at" TEXT NULL,
    "sent_at" TEXT NULL,
    "last_error" TEXT NULL,
    "group_id" TEXT NULL,
    "occurrences" INTEGER NOT NULL,
    "throttle_key" TEXT NOT NULL,
    "lease_owner" TEXT NULL,
    "lease_expires_at" TEXT NULL
);

CREATE TABLE "alert_deliveries" (
    "alert_id" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "node" TEXT NOT NULL,
    "started_at" TEXT NOT NULL,
    "ended_at" TEXT NOT NULL,
    "sent" INTEGER NOT NULL,
    "error" TEXT NULL,
    CONSTRAINT "PK_alert_deliveries" PRIMARY KEY ("alert_id", "number"),
    CONSTRAINT "FK_alert_deliveries_alerts_alert_id" FOREIGN KEY ("alert_id") REFERENCES "alerts" ("id") ON DELETE CASCADE
);

CREATE UNIQUE INDEX "IX_alerts_key" ON "alerts" ("key");

CREATE INDEX "IX_alerts_run_id" ON "alerts" ("run_id");

CREATE INDEX "IX_alerts_state_next_attempt_at" ON "alerts" ("state", "next_attempt_at");

CREATE INDEX "IX_alerts_throttle_key_occurred_at" ON "alerts" ("throttle_key", "occurred_at");

CREATE INDEX "IX_alerts_workflow_id_occurred_at" ON "alerts" ("workflow_id", "occurred_at");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261201224118_Alerts', '10.0.15');

COMMIT;

BEGIN TRANSACTION;
ALTER TABLE "workflow_states" ADD "first_seen_at" TEXT NULL;

ALTER TABLE "workflow_states" ADD "schedule_cursor" TEXT NULL;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261206165416_ScheduleProgress', '10.0.15');

COMMIT;

BEGIN TRANSACTION;
ALTER TABLE "attempts" ADD "inputs_json" TEXT NULL;

ALTER TABLE "attempts" ADD "queued_at" TEXT NULL;

ALTER TABLE "attempts" ADD "worker" TEXT NULL;

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261206172246_AttemptDetails', '10.0.15');

COMMIT;

BEGIN TRANSACTION;
DROP INDEX "IX_runs_state";

DROP INDEX "IX_runs_workflow_id_created_at";

DROP INDEX "IX_alerts_workflow_id_occurred_at";

CREATE INDEX "IX_runs_created_at_id" ON "runs" ("created_at", "id");

CREATE INDEX "IX_runs_state_created_at_id" ON "runs" ("state", "created_at", "id");

CREATE INDEX "IX_runs_workflow_id_created_at_id" ON "runs" ("workflow_id", "created_at", "id");

CREATE INDEX "IX_alerts_occurred_at_id" ON "alerts" ("occurred_at", "id");

CREATE INDEX "IX_alerts_workflow_id_occurred_at_id" ON "alerts" ("workflow_id", "occurred_at", "id");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261206195850_ListKeysets', '10.0.15');

COMMIT;

BEGIN TRANSACTION;
ALTER TABLE "task_instances" ADD "pool" TEXT NULL;

ALTER TABLE "task_instances" ADD "pool_slots" INTEGER NOT NULL DEFAULT 0;

CREATE INDEX "IX_task_instances_pool_state" ON "task_instances" ("pool", "state");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261206203832_TaskPools', '10.0.15');

COMMIT;

BEGIN TRANSACTION;
ALTER TABLE "task_instances" ADD "revision" INTEGER NOT NULL DEFAULT 0;

ALTER TABLE "runs" ADD "revision" INTEGER NOT NULL DEFAULT 0;

CREATE INDEX "IX_task_instances_run_id_revision" ON "task_instances" ("run_id", "revision");

INSERT INTO "__EFMigrationsHistory" ("MigrationId", "ProductVersion")
VALUES ('20261206210112_RunRevision', '10.0.15');

COMMIT;

