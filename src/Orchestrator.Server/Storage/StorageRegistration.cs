using Microsoft.Data.Sqlite;
using Orchestrator.Persistence.Postgres;
using Orchestrator.Persistence.Sqlite;
using Orchestrator.Server.Execution;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Storage;

/// <summary>The database a server keeps its runs in: a SQLite file (one node) or PostgreSQL (one or more nodes).</summary>
/// <param name="Connection">The SQLite file's full path, or the Npgsql connection string.</param>
public sealed record DatabaseChoice(string Provider, string Connection)
{
    public const string Sqlite = "sqlite";
    public const string PostgreSql = "postgresql";

    /// <summary>
    /// From the settings <c>Orchestrator:Database</c> (SQLite in the data directory by default). Read once, before
    /// anything is registered, because storage and scheduling both depend on it.
    /// </summary>
    public static DatabaseChoice From(IConfiguration configuration)
    {
        var database = configuration.GetSection(DatabaseOptions.SectionName).Get<DatabaseOptions>() ?? new DatabaseOptions();
        switch (database.Provider)
        {
            case Sqlite:
                var dataDirectory = Path.GetFullPath(configuration[$"{OrchestratorOptions.SectionName}:DataDirectory"] ?? new OrchestratorOptions().DataDirectory);
                return new DatabaseChoice(Sqlite, database.ConnectionString is { Length: > 0 } connection
                    ? new SqliteConnectionStringBuilder(connection).DataSource
                    : Path.Combine(dataDirectory, "orchestrator.db"));
            case PostgreSql:
                return database.ConnectionString is { Length: > 0 } postgres
                    ? new DatabaseChoice(PostgreSql, postgres)
                    : throw new InvalidOperationException(
                        "Orchestrator:Database:Provider is postgresql: set Orchestrator:Database:ConnectionString (e.g. " +
                        "Orchestrator__Database__ConnectionString=\"Host=postgres;Database=orchestrator;Username=orchestrator;Password=...\").");
            default:
                throw new InvalidOperationException($"Orchestrator:Database:Provider '{database.Provider}' is not known; use sqlite or postgresql.");
        }
    }
}

public static class StorageRegistration
{
    /// <summary>
    /// The stores of runs, versions, logs and alerts in the chosen database, migrated at start-up; with PostgreSQL
    /// also the listener that wakes this node when another queues work. Register before the engine
    /// (<c>AddOrchestratorExecution</c>), whose in-memory stores are only the default when no database is registered.
    /// </summary>
    public static IServiceCollection AddOrchestratorStorage(this IServiceCollection services, DatabaseChoice database)
    {
        if (database.Provider == DatabaseChoice.PostgreSql)
        {
            services.AddPostgresStore(database.Connection);
            services.AddSingleton<PostgresQueueListener>();
            services.AddHostedService<QueueListenerService>();
        }
        else
        {
            services.AddSqliteStore(database.Connection);
        }

        // The first hosted service, whatever the order of registration: the schema is current before the catalog
        // stores versions and the workers claim.
        services.Insert(0, ServiceDescriptor.Singleton<IHostedService, DatabaseMigrationService>());
        return services;
    }
}
