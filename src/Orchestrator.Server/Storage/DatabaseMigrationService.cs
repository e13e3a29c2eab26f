using Orchestrator.Persistence;

namespace Orchestrator.Server.Storage;

/// <summary>Brings the database schema up to date before anything else starts (registered first).</summary>
public sealed partial class DatabaseMigrationService(DatabaseMigrator migrator, ILogger<DatabaseMigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var applied = await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
        LogMigrated(logger, applied.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is current ({Count} migration(s) applied)")]
    private static partial void LogMigrated(ILogger logger, int count);
}
