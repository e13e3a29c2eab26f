using Orchestrator.Server.Observability;

namespace Orchestrator.Server.Scheduling;

/// <summary>
/// A trigger's fire at the end of a data interval, wherever it was armed: the scheduler catches up from the
/// workflow's cursor — the interval that just ended and any that a late fire (a loaded or recovering node) would
/// otherwise skip; the unique (workflow, logical date) key makes a second fire harmless — and arms the next one.
/// </summary>
public sealed class ScheduleFiring(WorkflowScheduler scheduler, OrchestratorMetrics metrics, TimeProvider time)
{
    /// <param name="scheduledAt">When the trigger was due; the fire's lag behind it is measured.</param>
    public async Task FireAsync(string workflowId, DateTimeOffset? scheduledAt, CancellationToken cancellationToken)
    {
        await scheduler.TryRescheduleAsync(workflowId, scheduledAt, cancellationToken).ConfigureAwait(false);
        if (scheduledAt is { } scheduled)
        {
            metrics.RecordSchedulingLag(time.GetUtcNow() - scheduled);
        }
    }
}
