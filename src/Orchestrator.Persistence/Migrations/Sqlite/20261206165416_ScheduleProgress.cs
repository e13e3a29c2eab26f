using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orchestrator.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ScheduleProgress : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "first_seen_at",
                table: "workflow_states",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "schedule_cursor",
                table: "workflow_states",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "first_seen_at",
                table: "workflow_states");

            migrationBuilder.DropColumn(
                name: "schedule_cursor",
                table: "workflow_states");
        }
    }
}
