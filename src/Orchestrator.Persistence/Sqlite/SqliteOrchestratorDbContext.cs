using Microsoft.EntityFrameworkCore;
using Orchestrator.Persistence.Conversions;

namespace Orchestrator.Persistence.Sqlite;

/// <summary>The SQLite flavour of the schema; its migrations live in <c>Migrations/Sqlite</c>.</summary>
public sealed class SqliteOrchestratorDbContext(DbContextOptions<SqliteOrchestratorDbContext> options)
    : OrchestratorDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);

        // SQLite has no date type and EF cannot order its default DateTimeOffset text; sortable UTC text can.
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcTextConverter>();
    }
}
