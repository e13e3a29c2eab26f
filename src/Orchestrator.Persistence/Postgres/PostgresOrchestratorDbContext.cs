using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Orchestrator.Core.Json;
using Orchestrator.Core.Model;
using Orchestrator.Persistence.Conversions;
using Orchestrator.Persistence.Entities;

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

    /// <summary>
    /// Partial indexes: a task instance's state changes at every step (queued, running, ended), so no update of its
    /// row is HOT and each one adds an entry to every index of the table. A row is entered only in the indexes that
    /// can serve it in its new state: the queue holds queued instances; the states index the instances not ended
    /// yet (the gauges, lease expiry, due retries); the pools index the instances of a pool. Most task instances end
    /// up in none of the three.
    /// </summary>
    private protected override void ConfigureQueueIndexes(EntityTypeBuilder<TaskInstanceEntity> e)
    {
        var waiting = string.Join(", ", Enum.GetValues<TaskState>().Where(s => !s.IsFinal()).Select(s => $"'{WireNames.Of(s)}'"));
        e.HasIndex(t => new { t.QueuedAt, t.RunId, t.Ordinal }).HasFilter($"state = '{WireNames.Of(TaskState.Queued)}'");
        e.HasIndex(t => new { t.State, t.LeaseExpiresAt }).HasFilter($"state IN ({waiting})");
        e.HasIndex(t => new { t.Pool, t.State }).HasFilter("pool IS NOT NULL");
    }

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);

        // An attempt's row is written twice (its start, then its end): room left on each page lets the second write
        // stay on the page (a HOT update, no new entry in the key's index).
        modelBuilder.Entity<AttemptEntity>().HasStorageParameter("fillfactor", 80);
    }
}
