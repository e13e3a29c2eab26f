using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orchestrator.Core;

namespace Orchestrator.Persistence.Sqlite;

public static class SqliteServiceCollectionExtensions
{
    /// <summary>
    /// Keeps workflow versions, runs and logs in a SQLite file (its directory is created). Register before
    /// <c>AddOrchestratorCore</c> (whose in-memory stores are then left out). Apply the schema at
    /// start-up with <see cref="DatabaseMigrator.MigrateAsync"/>.
    /// </summary>
    public static IServiceCollection AddSqliteStore(this IServiceCollection services, string databasePath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        var fullPath = Path.GetFullPath(databasePath);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);

        // A private cache per pooled connection: shared cache and WAL do not mix well.
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = fullPath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

        // A singleton built by the container (not an instance handed to it) so that disposing the container disposes
        // it; the context options take the connection string from it, so it exists whenever a connection can.
        services.AddSingleton(_ => new SqliteDatabaseFile(connectionString));
        services.AddPooledDbContextFactory<SqliteOrchestratorDbContext>((provider, options) => options
            .UseSqlite(provider.GetRequiredService<SqliteDatabaseFile>().ConnectionString)
            .UseOrchestratorRuntime()
            .AddInterceptors(SqlitePragmas.Instance));
        services.AddSingleton<Queue.IQueueLocking, Queue.SqliteQueueLocking>();
        services.AddSingleton<Queue.IQueueWriter, Queue.SqliteQueueWriter>();
        return services.AddDatabaseStores<SqliteOrchestratorDbContext>();
    }
}
