using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Orchestrator.Persistence.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class TriggerBatches : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "trigger_json",
                table: "runs",
                type: "text",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "trigger_batches",
                columns: table => new
                {
                    workflow_id = table.Column<string>(type: "text", nullable: false),
                    connection = table.Column<string>(type: "text", nullable: false),
                    consumer_group = table.Column<string>(type: "text", nullable: false),
                    topic = table.Column<string>(type: "text", nullable: false),
                    partition = table.Column<int>(type: "integer", nullable: false),
                    first_offset = table.Column<long>(type: "bigint", nullable: false),
                    last_offset = table.Column<long>(type: "bigint", nullable: false),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_trigger_batches", x => new { x.workflow_id, x.connection, x.consumer_group, x.topic, x.partition, x.first_offset });
                });

            migrationBuilder.CreateIndex(
                name: "IX_trigger_batches_run_id",
                table: "trigger_batches",
                column: "run_id");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "trigger_batches");

            migrationBuilder.DropColumn(
                name: "trigger_json",
                table: "runs");
        }
    }
}
