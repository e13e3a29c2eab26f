using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Persistence.Postgres;
using Orchestrator.Testing;

namespace Orchestrator.Server.Tests.Support;

/// <summary>The database provider a test server stores its runs in.</summary>
public enum DatabaseProvider
{
    Sqlite,
    Postgres,
}

/// <summary>The configuration that puts a test server on a <see cref="DatabaseProvider"/>.</summary>
public static class ServerDatabase
{
    /// <summary>
    /// SQLite: no database settings at all, the way a server starts out of the box (a file in its data directory).
    /// PostgreSQL: a new database of the test process's cluster, so no server sees another's runs or Quartz triggers.
    /// </summary>
    public static async Task<IReadOnlyDictionary<string, string?>> SettingsAsync(DatabaseProvider provider, string prefix)
    {
        if (provider == DatabaseProvider.Sqlite)
        {
            return new Dictionary<string, string?>();
        }

        var cluster = await PostgresCluster.SharedAsync();
        return new Dictionary<string, string?>
        {
            ["Orchestrator:Database:Provider"] = "postgresql",
            ["Orchestrator:Database:ConnectionString"] = await cluster.CreateDatabaseAsync(prefix),
        };
    }

    /// <summary>
    /// Fails unless the started server is on <paramref name="provider"/>: a misspelt setting would leave it on the
    /// SQLite default, and the PostgreSQL suite would pass without proving anything.
    /// </summary>
    public static void AssertInUse(DatabaseProvider provider, IServiceProvider services)
        => Assert.Equal(provider == DatabaseProvider.Postgres, services.GetService<PostgresQueueListener>() is not null);
}
