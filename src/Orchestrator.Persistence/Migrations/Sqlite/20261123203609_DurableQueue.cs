using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orchestrator.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class DurableQueue : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "lease_expires_at",
                table: "task_instances",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "lease_owner",
                table: "task_instances",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "queued_at",
                table: "task_instances",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "cancel_requested_at",
                table: "runs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "workflow_states",
                columns: table => new
                {
                    workflow_id = table.Column<string>(type: "TEXT", nullable: false),
                    paused = table.Column<bool>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_workflow_states", x => x.workflow_id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_task_instances_state_lease_expires_at",
                table: "task_instances",
                columns: new[] { "state", "lease_expires_at" });

            migrationBuilder.CreateIndex(
                name: "IX_task_instances_state_queued_at",
                table: "task_instances",
                columns: new[] { "state", "queued_at" });

            migrationBuilder.CreateIndex(
                name: "IX_runs_workflow_id_logical_date",
                table: "runs",
                columns: new[] { "workflow_id", "logical_date" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "workflow_states");

            migrationBuilder.DropIndex(
                name: "IX_task_instances_state_lease_expires_at",
                table: "task_instances");

            migrationBuilder.DropIndex(
                name: "IX_task_instances_state_queued_at",
                table: "task_instances");

            migrationBuilder.DropIndex(
                name: "IX_runs_workflow_id_logical_date",
                table: "runs");

            migrationBuilder.DropColumn(
                name: "lease_expires_at",
                table: "task_instances");

            migrationBuilder.DropColumn(
                name: "lease_owner",
                table: "task_instances");

            migrationBuilder.DropColumn(
                name: "queued_at",
                table: "task_instances");

            migrationBuilder.DropColumn(
                name: "cancel_requested_at",
                table: "runs");
        }
    }
}
