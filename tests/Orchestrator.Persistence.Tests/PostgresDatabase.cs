using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Persistence.Postgres;
using Orchestrator.Testing;

namespace Orchestrator.Persistence.Tests;

/// <summary>A service provider over a new, migrated database of the test process's PostgreSQL cluster.</summary>
public static class PostgresDatabase
{
    public static async Task<ServiceProvider> OpenAsync(Action<IServiceCollection>? configure = null)
        => await OpenAsync(await (await PostgresCluster.SharedAsync()).CreateDatabaseAsync(), configure);

    public static async Task<ServiceProvider> OpenAsync(string connectionString, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection().AddPostgresStore(connectionString);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        return provider;
    }
}
