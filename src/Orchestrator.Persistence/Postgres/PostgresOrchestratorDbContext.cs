using Microsoft.EntityFrameworkCore;
using Orchestrator.Persistence.Conversions;

namespace Orchestrator.Persistence.Postgres;

/// <summary>The PostgreSQL flavour of the schema; its migrations live in <c>Migrations/Postgres</c>.</summary>
public sealed class PostgresOrchestratorDbContext(DbContextOptions<PostgresOrchestratorDbContext> options)
    : OrchestratorDbContext(options)
{
    protected override void ConfigureConventions(ModelConfigurationBuilder configurationBuilder)
    {
        base.ConfigureConventions(configurationBuilder);
        configurationBuilder.Properties<DateTimeOffset>().HaveConversion<UtcInstantConverter>();
    }
}
