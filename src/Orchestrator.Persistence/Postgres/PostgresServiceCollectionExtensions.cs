using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using Orchestrator.Core;

namespace Orchestrator.Persistence.Postgres;

public static class PostgresServiceCollectionExtensions
{
    /// <summary>
    /// Keeps workflow versions, runs and logs in PostgreSQL, shared by every node that uses the same database.
    /// Register before <c>AddOrchestratorCore</c> (whose in-memory stores are then left out). Apply the schema
    /// at start-up with <see cref="DatabaseMigrator.MigrateAsync"/>; a server also runs a <see cref="PostgresQueueListener"/>
    /// in the background so that work queued by other nodes wakes this one.
    /// </summary>
    public static IServiceCollection AddPostgresStore(this IServiceCollection services, string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _ = new NpgsqlConnectionStringBuilder(connectionString); // a malformed string fails here, at start-up

        services.AddSingleton(_ => new NpgsqlDataSourceBuilder(connectionString).Build());
        services.AddPooledDbContextFactory<PostgresOrchestratorDbContext>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
        services.TryAddSingleton<Core.Engine.QueueSignal>();
        services.AddSingleton<Queue.IQueueLocking, PostgresQueueLocking>();
        services.AddSingleton<Queue.IQueueWriter, PostgresQueueWriter>();
        return services.AddDatabaseStores<PostgresOrchestratorDbContext>();
    }
}
