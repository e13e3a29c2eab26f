using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orchestrator.Core.Storage;

namespace Orchestrator.Server.Scheduling;

/// <summary>Ready when the workflows are scheduled (and, through the store, the database answers).</summary>
public sealed class SchedulerHealthCheck(WorkflowScheduler scheduler, IRunStore runs) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await runs.ListAsync(new RunFilter(), new Page(0, 1), cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("the database does not answer", e);
        }

        return scheduler.Started
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy("the scheduler has not scheduled the workflows yet");
    }
}
