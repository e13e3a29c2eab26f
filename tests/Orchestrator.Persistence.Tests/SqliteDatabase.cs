using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Persistence.Sqlite;

namespace Orchestrator.Persistence.Tests;

/// <summary>A service provider over a migrated SQLite file.</summary>
public static class SqliteDatabase
{
    public static async Task<ServiceProvider> OpenAsync(string path, Action<IServiceCollection>? configure = null)
    {
        var services = new ServiceCollection().AddSqliteStore(path);
        configure?.Invoke(services);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await provider.GetRequiredService<DatabaseMigrator>().MigrateAsync(CancellationToken.None);
        return provider;
    }
}
