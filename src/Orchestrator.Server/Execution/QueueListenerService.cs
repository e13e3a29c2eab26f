using Orchestrator.Persistence.Postgres;

namespace Orchestrator.Server.Execution;

/// <summary>With PostgreSQL: wakes this node's workers when another node queues work (<c>LISTEN/NOTIFY</c>).</summary>
public sealed class QueueListenerService(PostgresQueueListener listener) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => listener.RunAsync(stoppingToken);
}
