using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orchestrator.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class TaskPools : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "pool",
                table: "task_instances",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<int>(
                name: "pool_slots",
                table: "task_instances",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateIndex(
                name: "IX_task_instances_pool_state",
                table: "task_instances",
                columns: new[] { "pool", "state" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_task_instances_pool_state",
                table: "task_instances");

            migrationBuilder.DropColumn(
                name: "pool",
                table: "task_instances");

            migrationBuilder.DropColumn(
                name: "pool_slots",
                table: "task_instances");
        }
    }
}
