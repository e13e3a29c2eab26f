using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orchestrator.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ListKeysets : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_runs_state",
                table: "runs");

            migrationBuilder.DropIndex(
                name: "IX_runs_workflow_id_created_at",
                table: "runs");

            migrationBuilder.DropIndex(
                name: "IX_alerts_workflow_id_occurred_at",
                table: "alerts");

            migrationBuilder.CreateIndex(
                name: "IX_runs_created_at_id",
                table: "runs",
                columns: new[] { "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_runs_state_created_at_id",
                table: "runs",
                columns: new[] { "state", "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_runs_workflow_id_created_at_id",
                table: "runs",
                columns: new[] { "workflow_id", "created_at", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_alerts_occurred_at_id",
                table: "alerts",
                columns: new[] { "occurred_at", "id" });

            migrationBuilder.CreateIndex(
                name: "IX_alerts_workflow_id_occurred_at_id",
                table: "alerts",
                columns: new[] { "workflow_id", "occurred_at", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_runs_created_at_id",
                table: "runs");

            migrationBuilder.DropIndex(
                name: "IX_runs_state_created_at_id",
                table: "runs");

            migrationBuilder.DropIndex(
                name: "IX_runs_workflow_id_created_at_id",
                table: "runs");

            migrationBuilder.DropIndex(
                name: "IX_alerts_occurred_at_id",
                table: "alerts");

            migrationBuilder.DropIndex(
                name: "IX_alerts_workflow_id_occurred_at_id",
                table: "alerts");

            migrationBuilder.CreateIndex(
                name: "IX_runs_state",
                table: "runs",
                column: "state");

            migrationBuilder.CreateIndex(
                name: "IX_runs_workflow_id_created_at",
                table: "runs",
                columns: new[] { "workflow_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "IX_alerts_workflow_id_occurred_at",
                table: "alerts",
                columns: new[] { "workflow_id", "occurred_at" });
        }
    }
}
