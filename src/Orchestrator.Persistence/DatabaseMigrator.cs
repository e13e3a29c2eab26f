using Microsoft.EntityFrameworkCore;

namespace Orchestrator.Persistence;

/// <summary>Brings the database schema up to date; call once at start-up, before the stores are used.</summary>
public sealed class DatabaseMigrator(IDbContextFactory<OrchestratorDbContext> contexts)
{
    /// <summary>Applies the migrations the database lacks (none, when it is current). Creates the database if needed.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Migrations defined in code but not yet applied to the database.</summary>
    public async Task<IReadOnlyList<string>> GetPendingMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return [.. await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)];
    }
}
