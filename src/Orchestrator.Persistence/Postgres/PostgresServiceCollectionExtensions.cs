using System.Data.Common;
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

        services.AddSingleton(_ => DataSource(connectionString));
        services.AddPooledDbContextFactory<PostgresOrchestratorDbContext>((sp, options) => options
            .UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>())
            .UseOrchestratorRuntime());
        services.TryAddSingleton<Core.Engine.QueueSignal>();
        services.AddSingleton<Queue.IQueueLocking, PostgresQueueLocking>();
        services.AddSingleton<Queue.IQueueWriter, PostgresQueueWriter>();
        return services.AddDatabaseStores<PostgresOrchestratorDbContext>();
    }

    /// <summary>
    /// The stores' data source. The queue sends the same few statements over and over, so unless the connection
    /// string sets them, Npgsql prepares a statement once it has been sent twice on a connection
    /// (<c>Auto Prepare Min Usages=2</c>), up to 64 per connection (<c>Max Auto Prepare=64</c>): PostgreSQL then
    /// parses and plans it once per connection instead of at every call. <c>Max Auto Prepare=0</c> turns it off.
    /// </summary>
    internal static NpgsqlDataSource DataSource(string connectionString)
    {
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        var given = new DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!Sets(given, "Max Auto Prepare"))
        {
            builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
        }

        if (!Sets(given, "Auto Prepare Min Usages"))
        {
            builder.ConnectionStringBuilder.AutoPrepareMinUsages = 2;
        }

        return builder.Build();
    }

    /// <summary>Whether the connection string sets the keyword (Npgsql matches keywords ignoring case and spaces).</summary>
    private static bool Sets(DbConnectionStringBuilder given, string keyword)
        => given.Keys.Cast<string>().Any(key => string.Equals(key.Replace(" ", "", StringComparison.Ordinal),
            keyword.Replace(" ", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase));
}
