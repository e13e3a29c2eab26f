using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orchestrator.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ClaimOrderIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_task_instances_state_queued_at",
                table: "task_instances");

            migrationBuilder.CreateIndex(
                name: "IX_task_instances_state_queued_at_run_id_ordinal",
                table: "task_instances",
                columns: new[] { "state", "queued_at", "run_id", "ordinal" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_task_instances_state_queued_at_run_id_ordinal",
                table: "task_instances");

            migrationBuilder.CreateIndex(
                name: "IX_task_instances_state_queued_at",
                table: "task_instances",
                columns: new[] { "state", "queued_at" });
        }
    }
}
