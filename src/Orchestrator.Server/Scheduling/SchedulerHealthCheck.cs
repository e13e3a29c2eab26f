using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orchestrator.Core.Storage;

namespace Orchestrator.Server.Scheduling;

/// <summary>
/// Ready when the workflows are scheduled (and, through the store, the database answers). A server that is still
/// starting is simply not ready yet; a database that does not answer is logged as a warning.
/// </summary>
public sealed partial class SchedulerHealthCheck(WorkflowScheduler scheduler, IRunStore runs, ILogger<SchedulerHealthCheck> logger) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await runs.ListAsync(new RunFilter(), new Page(0, 1), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogDatabaseUnanswered(logger, e.Message);
            return HealthCheckResult.Unhealthy("the database does not answer", e);
        }

        return scheduler.Started
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("the scheduler has not scheduled the workflows yet");
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Not ready: the database does not answer ({Reason})")]
    private static partial void LogDatabaseUnanswered(ILogger logger, string reason);
}
