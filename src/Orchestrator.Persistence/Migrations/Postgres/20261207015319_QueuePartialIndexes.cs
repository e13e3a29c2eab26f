using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orchestrator.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class QueuePartialIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_task_instances_pool_state",
                table: "task_instances");

            migrationBuilder.DropIndex(
                name: "IX_task_instances_state_lease_expires_at",
                table: "task_instances");

            migrationBuilder.DropIndex(
                name: "IX_task_instances_state_queued_at_run_id_ordinal",
                table: "task_instances");

            migrationBuilder.AlterTable(
                name: "attempts")
                .Annotation("Npgsql:StorageParameter:fillfactor", 80);

            migrationBuilder.CreateIndex(
                name: "IX_task_instances_pool_state",
                table: "task_instances",
                columns: new[] { "pool", "state" },
                filter: "pool IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_task_instances_queued_at_run_id_ordinal",
                table: "task_instances",
                columns: new[] { "queued_at", "run_id", "ordinal" },
                filter: "state = 'queued'");

            migrationBuilder.CreateIndex(
                name: "IX_task_instances_state_lease_expires_at",
                table: "task_instances",
                columns: new[] { "state", "lease_expires_at" },
                filter: "state IN ('pending', 'queued', 'running', 'up_for_retry')");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_task_instances_pool_state",
                table: "task_instances");

            migrationBuilder.DropIndex(
                name: "IX_task_instances_queued_at_run_id_ordinal",
                table: "task_instances");

            migrationBuilder.DropIndex(
                name: "IX_task_instances_state_lease_expires_at",
                table: "task_instances");

            migrationBuilder.AlterTable(
                name: "attempts")
                .OldAnnotation("Npgsql:StorageParameter:fillfactor", 80);

            migrationBuilder.CreateIndex(
                name: "IX_task_instances_pool_state",
                table: "task_instances",
                columns: new[] { "pool", "state" });

            migrationBuilder.CreateIndex(
                name: "IX_task_instances_state_lease_expires_at",
                table: "task_instances",
                columns: new[] { "state", "lease_expires_at" });

            migrationBuilder.CreateIndex(
                name: "IX_task_instances_state_queued_at_run_id_ordinal",
                table: "task_instances",
                columns: new[] { "state", "queued_at", "run_id", "ordinal" });
        }
    }
}
