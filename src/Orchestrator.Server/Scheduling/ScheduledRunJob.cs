using Quartz;

namespace Orchestrator.Server.Scheduling;

/// <summary>
/// Fired by Quartz at the end of a data interval: the scheduler catches up from the workflow's cursor — the
/// interval that just ended and any that a late fire (a loaded or recovering node) would otherwise skip; the unique
/// (workflow, logical date) key makes a second firing harmless — and arms the next one.
/// </summary>
[DisallowConcurrentExecution]
public sealed class ScheduledRunJob(WorkflowScheduler scheduler, Observability.OrchestratorMetrics metrics, TimeProvider time) : IJob
{
    public const string WorkflowKey = "workflow";

    /// <summary>The logical date of the interval the trigger was armed for (informative: catch-up decides what runs).</summary>
    public const string LogicalDateKey = "logicalDate";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var workflowId = context.MergedJobDataMap.GetString(WorkflowKey)!;
        await scheduler.TryRescheduleAsync(workflowId, context.ScheduledFireTimeUtc, cancellationToken).ConfigureAwait(false);
        if (context.ScheduledFireTimeUtc is { } scheduled)
        {
            metrics.RecordSchedulingLag(time.GetUtcNow() - scheduled);
        }
    }
}
