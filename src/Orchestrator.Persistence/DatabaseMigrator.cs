using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;

namespace Orchestrator.Persistence;

/// <summary>Brings the database schema up to date; call once at start-up, before the stores are used.</summary>
public sealed class DatabaseMigrator(IDbContextFactory<OrchestratorDbContext> contexts)
{
    /// <summary>The advisory lock of schema changes on PostgreSQL ("ORCH", "MIGR").</summary>
    private const int LockSpace = 0x4F524348;
    private const int MigrationLock = 0x4D494752;

    /// <summary>
    /// Applies the migrations the database lacks and returns their names (none, when it is current: then nothing but
    /// the history is read). Creates the database if needed. A new or current SQLite database is handled without EF's
    /// migrator (<see cref="Sqlite.SqliteSchemaScript"/>).
    /// </summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);

        // By name: IsNpgsql() would load the PostgreSQL provider's assemblies into a SQLite server.
        if (db.Database.ProviderName == "Microsoft.EntityFrameworkCore.Sqlite")
        {
            await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            if (await Sqlite.SqliteSchemaScript.TryMigrateAsync(db.Database.GetDbConnection(), cancellationToken).ConfigureAwait(false) is { } applied)
            {
                return applied;
            }
        }

        if (db.Database.ProviderName != "Npgsql.EntityFrameworkCore.PostgreSQL" || !await db.GetService<IRelationalDatabaseCreator>().ExistsAsync(cancellationToken).ConfigureAwait(false))
        {
            return await ApplyPendingAsync(db, cancellationToken).ConfigureAwait(false);
        }

        // Nodes starting together: EF's own lock ends with each migration's transaction, so a node that planned
        // several migrations would apply one that another node applied meanwhile. One session lock for the whole run.
        await db.Database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_lock({LockSpace}, {MigrationLock})", cancellationToken).ConfigureAwait(false);
        try
        {
            return await ApplyPendingAsync(db, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_unlock({LockSpace}, {MigrationLock})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Migrations defined in code but not yet applied to the database.</summary>
    public async Task<IReadOnlyList<string>> GetPendingMigrationsAsync(CancellationToken cancellationToken)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken).ConfigureAwait(false);
        return [.. await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)];
    }

    /// <summary>
    /// EF's migrator takes its lock, creates the history table and plans even when nothing is pending; a restart of a
    /// current database only reads the history.
    /// </summary>
    private static async Task<IReadOnlyList<string>> ApplyPendingAsync(OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> pending = [.. await db.Database.GetPendingMigrationsAsync(cancellationToken).ConfigureAwait(false)];
        if (pending.Count > 0)
        {
            await db.Database.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }

        return pending;
    }
}
