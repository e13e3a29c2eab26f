using Microsoft.Extensions.Options;
using Orchestrator.Core.Engine;
using Orchestrator.Server.Hosting;

namespace Orchestrator.Server.Execution;

/// <summary>Hosts this node's <see cref="QueueWorker"/>; on shutdown it stops claiming and drains within the grace period.</summary>
public sealed class WorkerService(QueueWorker worker, IOptions<WorkerOptions> options) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
        => Task.Run(() => worker.RunAsync(stoppingToken, options.Value.ShutdownGrace), CancellationToken.None);
}
