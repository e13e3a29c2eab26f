using Quartz;

namespace Orchestrator.Server.Scheduling;

/// <summary>A Quartz trigger's fire at the end of a data interval (<see cref="ScheduleFiring"/>).</summary>
[DisallowConcurrentExecution]
public sealed class ScheduledRunJob(ScheduleFiring firing) : IJob
{
    public const string WorkflowKey = "workflow";

    /// <summary>The logical date of the interval the trigger was armed for (informative: catch-up decides what runs).</summary>
    public const string LogicalDateKey = "logicalDate";

    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
        => await firing.FireAsync(context.MergedJobDataMap.GetString(WorkflowKey)!, context.ScheduledFireTimeUtc, cancellationToken).ConfigureAwait(false);
}
